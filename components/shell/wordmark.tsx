// The Slipway wordmark: a small slipway ramp glyph and the name. `compact`
// keeps only the glyph on phones (the name stays for screen readers).
export function Wordmark({ compact = false }: { compact?: boolean }) {
  return (
    <span className="inline-flex items-center gap-2 text-base font-semibold tracking-tight text-zinc-900">
      <svg aria-hidden="true" viewBox="0 0 20 20" className="size-5 text-accent-600">
        <rect width="20" height="20" rx="5" fill="currentColor" />
        <path d="M4.5 14.5 15.5 7.5M4.5 14.5h11" stroke="white" strokeWidth="1.8" strokeLinecap="round" fill="none" />
      </svg>
      <span className={compact ? "sr-only sm:not-sr-only" : undefined}>Slipway</span>
    </span>
  );
}
