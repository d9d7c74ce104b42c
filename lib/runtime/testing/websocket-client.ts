import { randomBytes } from "node:crypto";
import net from "node:net";

// A WebSocket client for tests under Node 20 (which has none built in):
// the handshake, masked text frames out, unmasked frames in (RFC 6455).
export type TestSocket = {
  status: number;
  headers: string;
  send(text: string): void;
  /** The next text message. */
  next(timeoutMs?: number): Promise<string>;
  /** Resolves with the close code the peer sent (or 1006 if the connection just ended). */
  closed: Promise<number>;
  close(): void;
};

export function openWebSocket(port: number, host: string, path: string): Promise<TestSocket> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, "127.0.0.1");
    const key = randomBytes(16).toString("base64");
    socket.write(`GET ${path} HTTP/1.1\r\nHost: ${host}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: ${key}\r\nSec-WebSocket-Version: 13\r\n\r\n`);
    let buf = Buffer.alloc(0);
    let head: { status: number; headers: string } | null = null;
    const messages: string[] = [];
    const waiting: ((m: string) => void)[] = [];
    let closeCode: (code: number) => void;
    const closed = new Promise<number>((r) => (closeCode = r));
    const frame = (opcode: number, payload: Buffer) => {
      const mask = randomBytes(4);
      const masked = Buffer.from(payload);
      for (let i = 0; i < masked.length; i++) masked[i] ^= mask[i & 3];
      const len = payload.length < 126 ? Buffer.from([0x80 | opcode, 0x80 | payload.length]) : Buffer.from([0x80 | opcode, 0x80 | 126, payload.length >> 8, payload.length & 255]);
      socket.write(Buffer.concat([len, mask, masked]));
    };
    const api = (): TestSocket => ({
      status: head!.status,
      headers: head!.headers,
      send: (text) => frame(1, Buffer.from(text)),
      next: (timeoutMs = 5000) =>
        messages.length
          ? Promise.resolve(messages.shift()!)
          : new Promise((res, rej) => {
              const t = setTimeout(() => rej(new Error("no WebSocket message in time")), timeoutMs);
              waiting.push((m) => (clearTimeout(t), res(m)));
            }),
      closed,
      close: () => frame(8, Buffer.from([0x03, 0xe8])),
    });
    socket.on("data", (chunk) => {
      buf = Buffer.concat([buf, chunk]);
      if (!head) {
        const end = buf.indexOf("\r\n\r\n");
        if (end === -1) return;
        const text = buf.subarray(0, end).toString();
        head = { status: Number(text.split(" ")[1]), headers: text };
        buf = buf.subarray(end + 4);
        resolve(api());
        if (head.status !== 101) return void socket.end();
      }
      while (buf.length >= 2) {
        const opcode = buf[0] & 15;
        let len = buf[1] & 127;
        let at = 2;
        if (len === 126) {
          len = buf.readUInt16BE(2);
          at = 4;
        }
        if (buf.length < at + len) return;
        const payload = buf.subarray(at, at + len);
        buf = buf.subarray(at + len);
        if (opcode === 8) {
          closeCode(payload.length >= 2 ? payload.readUInt16BE(0) : 1005);
          socket.end();
        } else if (opcode === 1) {
          const m = payload.toString();
          const w = waiting.shift();
          if (w) w(m);
          else messages.push(m);
        }
      }
    });
    socket.on("close", () => closeCode(1006));
    socket.on("error", (e) => (head ? closeCode(1006) : reject(e)));
  });
}
