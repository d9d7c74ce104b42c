import type { ServerWebSocket, WebSocketHandler } from "@/lib/router/bun-serve";

// WebSockets to a server deployment: the router connects to the instance
// first (over its Unix socket, with the client's headers as a proxy passes
// them on), and only then answers the client's handshake, with the
// subprotocol the instance chose; an instance that refuses gets the client a
// 502. From then on every message is passed on as it is, both ways, and a
// close on either side closes the other with its code. When an instance
// leaves the ready set (it drains), the router closes its sockets itself with
// a close frame (1001) after a grace, before the app is sent SIGTERM.

type Message = string | ArrayBuffer | Uint8Array;

export type Relay = {
  socketPath: string;
  upstream: WebSocket;
  /** What the instance sent before the client's side was open. */
  early: Message[];
  client: ServerWebSocket<Relay> | null;
};

const OPEN = 1;
const CONNECT_TIMEOUT_MS = 10_000;

/** Opens the instance's side; resolves null if it refuses or does not answer. */
export function connectUpstream(socketPath: string, target: string, headers: Record<string, string>, protocols: string[]): Promise<Relay | null> {
  return new Promise((resolve) => {
    let settled = false;
    const settle = (value: Relay | null) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(value);
    };
    const wanted = new Set(["sec-websocket-key", "sec-websocket-version", "sec-websocket-extensions", "sec-websocket-protocol", "upgrade", "connection"]);
    const passed = Object.fromEntries(Object.entries(headers).filter(([name]) => !wanted.has(name)));
    let upstream: WebSocket;
    try {
      // Bun's client: ws+unix://<socket>:<path>, and headers as an option.
      upstream = new WebSocket(`ws+unix://${socketPath}:${target}`, { headers: passed, protocols } as unknown as string[]);
    } catch {
      return settle(null);
    }
    upstream.binaryType = "arraybuffer";
    const relay: Relay = { socketPath, upstream, early: [], client: null };
    const timer = setTimeout(() => {
      upstream.close();
      settle(null);
    }, CONNECT_TIMEOUT_MS);
    upstream.onopen = () => settle(relay);
    upstream.onerror = () => {
      settle(null);
      relay.client?.close(1011, "the app's connection failed");
    };
    upstream.onmessage = (e: MessageEvent) => {
      const data = e.data as Message;
      if (relay.client) relay.client.send(data);
      else relay.early.push(data);
    };
    upstream.onclose = (e: CloseEvent) => relay.client?.close(closeCode(e.code), e.reason);
  });
}

// Codes a peer may send in a close frame; the ones that only describe a lost connection become 1011.
function closeCode(code: number): number {
  return code === 1000 || code === 1001 || (code >= 3000 && code <= 4999) ? code : 1011;
}

// The open relays by instance socket, to close when the instance drains.
const open = new Map<string, Set<Relay>>();

/** Closes every WebSocket relayed to the instance at `socketPath` with a close frame. */
export function closeRelaysTo(socketPath: string, code: number, reason: string): number {
  const relays = open.get(socketPath);
  if (!relays) return 0;
  for (const relay of relays) relay.client?.close(code, reason);
  return relays.size;
}

export const websocketRelay: WebSocketHandler<Relay> = {
  open(ws) {
    const relay = ws.data;
    relay.client = ws;
    let set = open.get(relay.socketPath);
    if (!set) open.set(relay.socketPath, (set = new Set()));
    set.add(relay);
    for (const m of relay.early) ws.send(m);
    relay.early = [];
    if (relay.upstream.readyState > OPEN) ws.close(1011, "the app closed the connection");
  },
  message(ws, message) {
    if (ws.data.upstream.readyState === OPEN) ws.data.upstream.send(message);
  },
  close(ws, code, reason) {
    const set = open.get(ws.data.socketPath);
    set?.delete(ws.data);
    if (set?.size === 0) open.delete(ws.data.socketPath);
    const up = ws.data.upstream;
    if (up.readyState <= OPEN) {
      try {
        up.close(code === 1000 || (code >= 3000 && code <= 4999) ? code : 1000, reason);
      } catch {
        up.close();
      }
    }
  },
};
