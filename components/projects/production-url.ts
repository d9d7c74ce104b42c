export type AppsHost = { domain: string; port: number };

// Where the router serves a project's production deployment: <slug>.<APPS_DOMAIN>.
export function productionUrl(slug: string, { domain, port }: AppsHost): string {
  return `http://${slug}.${domain}${port === 80 ? "" : `:${port}`}`;
}
