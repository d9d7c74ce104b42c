import type { AuditApiFilters } from "@/components/audit/queries";

// The audit page's filters as they sit in its URL (short names, plain dates).
export const FILTER_KEYS = ["actor", "action", "prefix", "type", "target", "from", "to"] as const;
export type AuditFilters = Partial<Record<(typeof FILTER_KEYS)[number], string>>;

type SearchParams = Record<string, string | string[] | undefined>;

export function filtersFromSearchParams(sp: SearchParams): AuditFilters {
  const filters: AuditFilters = {};
  for (const key of FILTER_KEYS) {
    const raw = sp[key];
    const value = (Array.isArray(raw) ? raw[0] : raw)?.trim();
    if (value) filters[key] = value;
  }
  return filters;
}

export function auditHref(teamSlug: string | undefined, filters: AuditFilters): string {
  const params = new URLSearchParams();
  if (teamSlug) params.set("team", teamSlug);
  for (const key of FILTER_KEYS) if (filters[key]) params.set(key, filters[key]);
  const query = params.toString();
  return query ? `/team/audit?${query}` : "/team/audit";
}

const DATE = /^\d{4}-\d{2}-\d{2}$/;

// Dates are the viewer's local days: "to" includes its whole day.
function localDay(date: string | undefined, addDays = 0): string | undefined {
  if (!date || !DATE.test(date)) return undefined;
  const [y, m, d] = date.split("-").map(Number);
  const day = new Date(y, m - 1, d + addDays);
  return Number.isNaN(day.getTime()) ? undefined : day.toISOString();
}

export function toApiFilters(f: AuditFilters): AuditApiFilters {
  return {
    actor: f.actor,
    action: f.action,
    actionPrefix: f.prefix,
    targetType: f.type,
    targetId: f.target,
    from: localDay(f.from),
    to: localDay(f.to, 1),
  };
}

export const hasFilters = (f: AuditFilters) => FILTER_KEYS.some((k) => !!f[k]);
