// Only same-site paths: a callbackUrl from the query string must not send a
// freshly signed-in person to another origin (open redirect).
export function safeCallbackUrl(value: string | string[] | undefined): string {
  const url = Array.isArray(value) ? value[0] : value;
  if (!url || !url.startsWith("/") || url.startsWith("//") || url.startsWith("/\\")) return "/projects";
  return url;
}
