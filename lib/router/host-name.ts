// What a request's Host header names. Under APPS_DOMAIN a single label is
// either a route name (`<project>` or `<project>-git-<branch>`) or one
// deployment (`<project>-<deploymentId>`); any other host may be a verified
// custom domain. Anything that is not a well-formed host name is null (400).
export type HostTarget =
  | { kind: "route"; name: string }
  | { kind: "deployment"; slug: string; deploymentId: string }
  | { kind: "domain"; hostname: string };

const MAX_HOST = 253;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
// Deployment ids are UUIDs; a label ending in one names that deployment.
const DEPLOYMENT_LABEL = /^([a-z0-9][a-z0-9-]*?)-([0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;

// The host name without its port, lowercased, or null if the header is not a
// plain DNS name (IP literals and user info are not app names).
export function hostnameOf(header: string | undefined): string | null {
  if (!header || header.length > MAX_HOST + 6) return null;
  const m = /^([^:]+)(?::(\d{1,5}))?$/.exec(header);
  if (!m) return null;
  const host = m[1].toLowerCase().replace(/\.$/, "");
  if (host.length === 0 || host.length > MAX_HOST) return null;
  return host.split(".").every((label) => LABEL.test(label) || DEPLOYMENT_LABEL.test(label)) ? host : null;
}

export function parseHost(header: string | undefined, appsDomain: string): HostTarget | null {
  const host = hostnameOf(header);
  if (!host) return null;
  const suffix = `.${appsDomain}`;
  if (host.endsWith(suffix)) {
    const label = host.slice(0, -suffix.length);
    if (!label.includes(".")) {
      const m = DEPLOYMENT_LABEL.exec(label);
      if (m) return { kind: "deployment", slug: m[1], deploymentId: m[2] };
      return { kind: "route", name: label };
    }
  }
  return { kind: "domain", hostname: host };
}
