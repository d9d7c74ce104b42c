import { type AppsHost, appUrl } from "@/lib/routes/app-url";

export { type AppsHost, appUrl };

export function productionUrl(slug: string, host: AppsHost): string {
  return appUrl(slug, host);
}
