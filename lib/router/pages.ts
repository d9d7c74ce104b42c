// The router's own pages: plain HTML, no assets, never cached.
const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export type Page = { status: number; title: string; message: string };

export function renderPage(page: Page): string {
  return `<!doctype html><html><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${page.status}: ${escapeHtml(page.title)}</title></head>
<body style="font-family:system-ui,sans-serif;max-width:40rem;margin:4rem auto;padding:0 1rem;color:#222">
<h1>${page.status}: ${escapeHtml(page.title)}</h1>
<p>${escapeHtml(page.message)}</p>
</body></html>`;
}

export const pages = {
  badHost: (): Page => ({ status: 400, title: "bad host name", message: "The request's Host header is not a valid host name." }),
  badPath: (status: number): Page => ({
    status,
    title: status === 414 ? "path too long" : "bad request path",
    message: status === 414 ? "The request path is too long." : "The request path is not a valid path inside this site.",
  }),
  // Bytes node:http could not parse as a request: the status it would send, with a page.
  unknownHost: (host: string, appsDomain: string): Page => ({
    status: 404,
    title: "nothing deployed here",
    message: `No app answers for ${host}. Apps are served at <project>.${appsDomain} once a deployment is live.`,
  }),
  nothingLive: (host: string): Page => ({
    status: 404,
    title: "nothing deployed here",
    message: `${host} belongs to a project, but no deployment is live on it yet.`,
  }),
  serverStarting: (): Page => ({ status: 503, title: "starting", message: "This app's server is not ready yet. Try again in a moment." }),
  serverWaking: (): Page => ({ status: 202, title: "starting", message: "This app was asleep and is starting. This page reloads by itself in a moment." }),
  serverFailed: (): Page => ({ status: 503, title: "app failed", message: "This app's server failed to run. Its deployment page in the console says why." }),
  noServer: (): Page => ({ status: 503, title: "temporarily unavailable", message: "This router does not run server apps (it has no runtime settings)." }),
  websocketRefused: (): Page => ({ status: 502, title: "bad gateway", message: "The app did not accept the WebSocket connection." }),
  notWebsocket: (): Page => ({ status: 400, title: "bad request", message: "This is not a WebSocket handshake." }),
  expired: (): Page => ({ status: 404, title: "expired", message: "This deployment's fixed lifetime has ended." }),
  notFound: (): Page => ({ status: 404, title: "not found", message: "This deployment has no file at that path." }),
  unavailable: (): Page => ({
    status: 503,
    title: "temporarily unavailable",
    message: "The router could not load this deployment's files just now. Try again in a moment.",
  }),
};
