import type { ReactNode } from "react";

// One term and its value in a facts grid (<dl>).
export function Fact({ term, children, className = "" }: { term: string; children: ReactNode; className?: string }) {
  return (
    <div className={`min-w-0 ${className}`}>
      <dt className="text-xs font-medium tracking-wide text-zinc-500 uppercase">{term}</dt>
      <dd className="mt-1 text-sm text-zinc-900">{children}</dd>
    </div>
  );
}
