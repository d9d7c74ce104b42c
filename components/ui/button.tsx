import type { ButtonHTMLAttributes } from "react";

type Variant = "primary" | "secondary" | "ghost" | "danger" | "danger-secondary";
type Size = "md" | "sm";

const VARIANTS: Record<Variant, string> = {
  primary: "bg-accent-600 text-white shadow-sm hover:bg-accent-700",
  secondary: "border border-zinc-300 bg-white text-zinc-800 shadow-sm hover:bg-zinc-50",
  ghost: "text-zinc-700 hover:bg-zinc-100",
  danger: "bg-red-600 text-white shadow-sm hover:bg-red-700",
  "danger-secondary": "border border-red-200 bg-white text-red-700 shadow-sm hover:bg-red-50",
};

const SIZES: Record<Size, string> = {
  md: "h-9 gap-2 px-3.5 text-sm",
  sm: "h-7 gap-1.5 px-2 text-xs",
};

// Shared by <Button> and by links that look like buttons (a link still navigates).
export function buttonClasses(variant: Variant = "primary", extra = "", size: Size = "md") {
  return [
    "inline-flex items-center justify-center rounded-md font-medium whitespace-nowrap transition-colors",
    SIZES[size],
    "disabled:cursor-not-allowed disabled:opacity-60",
    VARIANTS[variant],
    extra,
  ].join(" ");
}

type Props = ButtonHTMLAttributes<HTMLButtonElement> & { variant?: Variant; size?: Size; pending?: boolean };

export function Button({ variant = "primary", size = "md", pending = false, className = "", type = "button", disabled, children, ...rest }: Props) {
  return (
    <button
      type={type}
      disabled={disabled || pending}
      aria-busy={pending || undefined}
      className={buttonClasses(variant, className, size)}
      {...rest}
    >
      {pending && <Spinner />}
      {children}
    </button>
  );
}

export function Spinner() {
  return (
    <span
      aria-hidden="true"
      className="size-3.5 animate-spin rounded-full border-2 border-current border-r-transparent opacity-80"
    />
  );
}
