// `httpsPort`: set when the router serves *.<domain> over HTTPS (its wildcard certificate is issued).
export type AppsHost = { domain: string; port: number; httpsPort?: number | null };

// Where the router serves a host label: `<slug>` (production), `<slug>-git-<branch>`,
// or `<slug>-<deploymentId>` (one deployment), each under APPS_DOMAIN; https:// where it can.
export function appUrl(label: string, { domain, port, httpsPort }: AppsHost): string {
  if (httpsPort) return `https://${label}.${domain}${httpsPort === 443 ? "" : `:${httpsPort}`}`;
  return `http://${label}.${domain}${port === 80 ? "" : `:${port}`}`;
}
