/**
 * The path and query of a request as the router's server hands it over: Bun's
 * request URL is absolute (`http://<host>/path?q`), already normalised (dot
 * segments resolved, `\\` made `/`), or the bare target when the Host header
 * was not usable.
 */
export function requestTarget(url: string): string {
  if (url.charCodeAt(0) === 47) return url;
  const slash = url.indexOf("/", url.indexOf("//") + 2);
  return slash === -1 ? "/" : url.slice(slash);
}
