"use client";

import { useRef, type KeyboardEvent } from "react";
import { ENVIRONMENT_LABELS, ENVIRONMENTS } from "@/lib/env-vars/env-rules";
import type { Environment } from "@/lib/ui/env-editor";

export const tabId = (env: Environment) => `env-tab-${env}`;
export const panelId = (env: Environment) => `env-panel-${env}`;

type Props = { value: Environment; counts: Record<Environment, number>; onChange: (env: Environment) => void };

// One tab per environment with its number of keys. Arrow keys, Home and End
// move between tabs (and select them); Tab moves on into the panel.
export function EnvTabs({ value, counts, onChange }: Props) {
  const refs = useRef<Partial<Record<Environment, HTMLButtonElement | null>>>({});

  function onKeyDown(e: KeyboardEvent<HTMLDivElement>) {
    const i = ENVIRONMENTS.indexOf(value);
    const next =
      e.key === "ArrowRight" ? ENVIRONMENTS[(i + 1) % ENVIRONMENTS.length]
      : e.key === "ArrowLeft" ? ENVIRONMENTS[(i + ENVIRONMENTS.length - 1) % ENVIRONMENTS.length]
      : e.key === "Home" ? ENVIRONMENTS[0]
      : e.key === "End" ? ENVIRONMENTS[ENVIRONMENTS.length - 1]
      : null;
    if (!next) return;
    e.preventDefault();
    onChange(next);
    refs.current[next]?.focus();
  }

  return (
    <div role="tablist" aria-label="Environment" onKeyDown={onKeyDown} className="flex overflow-x-auto border-b border-zinc-200 sm:gap-1">
      {ENVIRONMENTS.map((env) => {
        const selected = env === value;
        return (
          <button
            key={env}
            ref={(el) => {
              refs.current[env] = el;
            }}
            id={tabId(env)}
            type="button"
            role="tab"
            aria-selected={selected}
            aria-controls={panelId(env)}
            tabIndex={selected ? 0 : -1}
            onClick={() => onChange(env)}
            className={`-mb-px flex shrink-0 items-center gap-1.5 border-b-2 px-2 py-2 text-sm focus-visible:-outline-offset-2 sm:gap-2 sm:px-3 font-medium whitespace-nowrap ${
              selected ? "border-accent-600 text-zinc-900" : "border-transparent text-zinc-600 hover:border-zinc-300 hover:text-zinc-900"
            }`}
          >
            {ENVIRONMENT_LABELS[env]}
            <span className={`min-w-[1.25rem] rounded-full px-1.5 py-0.5 text-center text-xs tabular-nums ${selected ? "bg-accent-50 text-accent-700" : "bg-zinc-100 text-zinc-600"}`}>
              {counts[env]}
            </span>
          </button>
        );
      })}
    </div>
  );
}
