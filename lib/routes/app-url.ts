export type AppsHost = { domain: string; port: number };

// Where the router serves a host label: `<slug>` (production), `<slug>-git-<branch>`,
// or `<slug>-<deploymentId>` (one deployment), each under APPS_DOMAIN.
export function appUrl(label: string, { domain, port }: AppsHost): string {
  return `http://${label}.${domain}${port === 80 ? "" : `:${port}`}`;
}
