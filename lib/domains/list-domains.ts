import type { Ctx } from "@/lib/auth/ctx";
import { loadConfig } from "@/lib/config/env";
import { toDomainView } from "@/lib/domains/domain-view";
import { toCertificateView } from "@/lib/certificates/certificate-view";
import { getProject } from "@/lib/projects/get-project";

// A project's custom domains, oldest first, so the list keeps its order as states change.
export async function listDomains({ ctx, slug }: { ctx: Ctx; slug: string }) {
  const { project } = await getProject({ ctx, slug, action: "domain.read" });
  const rows = await ctx.db.domain.findMany({ where: { projectId: project.id }, orderBy: [{ createdAt: "asc" }, { hostname: "asc" }] });
  const certificates = await ctx.db.certificate.findMany({ where: { hostname: { in: rows.map((r) => r.hostname) } } });
  const byHost = new Map(certificates.map((c) => [c.hostname, c]));
  const config = loadConfig();
  // With DNS-01 (ACME_DNS_SERVER), the project's own name under APPS_DOMAIN is served by the wildcard certificate.
  const wildcardName = config.ACME_DNS_SERVER && config.APPS_DOMAIN !== "localhost" ? `*.${config.APPS_DOMAIN}` : null;
  const wildcard = wildcardName ? await ctx.db.certificate.findUnique({ where: { hostname: wildcardName } }) : null;
  return {
    domains: rows.map((r) => toDomainView(r, byHost.get(r.hostname) ?? null)),
    // Whether this server asks a CA for certificates (ACME_DIRECTORY_URL) and serves HTTPS (ROUTER_HTTPS_PORT),
    // and the project's <slug>.<APPS_DOMAIN> name with the wildcard certificate that covers it (null without DNS-01).
    https: {
      acme: config.ACME_DIRECTORY_URL !== undefined,
      port: config.ROUTER_HTTPS_PORT ?? null,
      projectName: wildcardName ? { hostname: `${project.slug}.${config.APPS_DOMAIN}`, certificate: wildcard && toCertificateView(wildcard) } : null,
    },
  };
}
