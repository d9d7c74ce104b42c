"use client";

import { useEffect, useState } from "react";
import { Button } from "@/components/ui/button";

type Props = { value: string; label?: string; copiedLabel?: string; srLabel?: string; className?: string; compact?: boolean };

// Copies a value to the clipboard and says so (politely) for a moment.
export function CopyButton({ value, label = "Copy", copiedLabel = "Copied", srLabel, className = "", compact = false }: Props) {
  const [state, setState] = useState<"idle" | "copied" | "failed">("idle");
  useEffect(() => {
    if (state === "idle") return;
    const timer = setTimeout(() => setState("idle"), 2000);
    return () => clearTimeout(timer);
  }, [state]);

  async function copy() {
    try {
      await navigator.clipboard.writeText(value);
      setState("copied");
    } catch {
      setState("failed");
    }
  }

  const text = state === "copied" ? copiedLabel : state === "failed" ? "Copy blocked" : label;
  return (
    <Button
      variant={compact ? "ghost" : "secondary"}
      size={compact ? "sm" : "md"}
      onClick={copy}
      aria-label={srLabel}
      title={state === "failed" ? "Copying is blocked in this browser; select the text and copy it by hand." : undefined}
      className={className}
    >
      {/* A fixed minimum width keeps the row still when the label changes. */}
      <span className={compact ? "min-w-[3.5rem]" : "min-w-[4.5rem]"} aria-live="polite">
        {text}
      </span>
    </Button>
  );
}
