import { writeFile } from "node:fs/promises";
import type { BunServer } from "@/lib/router/bun-serve";
import type { ServedCertificate } from "@/lib/router/load-certificates";

// HTTPS of one router process: a Bun.serve with one certificate per host name,
// chosen by SNI. Bun reads its certificates when it starts listening, so a
// new or renewed certificate starts a new listener on the same port
// (reusePort) before the old one stops taking connections; the old one's
// connections finish what they are doing (stop(false)). With the kernel's
// net.ipv4.tcp_migrate_req, a connection still waiting in the old listener's
// queue moves to the new one instead of being reset.
// One DNS label: what a wildcard certificate covers (and all a redirect may carry in its place).
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;

export class TlsListener {
  private server: BunServer | null = null;
  private current: ServedCertificate[] = [];
  private served = "";
  private exact = new Set<string>();
  private wildcards = new Set<string>();
  private queue: Promise<void> = Promise.resolve();
  private closed = false;
  /** The port it listens on (the configured one, or the one 0 picked), once it does. */
  port: number | null = null;

  constructor(
    private readonly opts: {
      port: number;
      listen: (port: number, tls: ServedCertificate[]) => BunServer;
      /** Which names it serves now, and where (null: none). */
      onChange: (covers: ((hostname: string) => boolean) | null, port: number) => void;
      log?: (line: string) => void;
    },
  ) {}

  /** Serves these certificates from now on (calls run one after another; an unchanged set changes nothing). */
  update(certs: ServedCertificate[]): Promise<void> {
    this.queue = this.queue.then(() => this.apply(certs)).catch((e) => this.opts.log?.(`HTTPS could not take the new certificates: ${(e as Error).message}`));
    return this.queue;
  }

  /** For /readyz: how many certificates it serves, and those that expire within `days` with no renewal under way. */
  health(days = 14, now = Date.now()) {
    const soon = this.current.filter((c) => c.notAfter && c.notAfter.getTime() - now < days * 86_400_000 && !c.renewing);
    return { port: this.port, served: this.current.length, expiringSoon: soon.map((c) => ({ hostname: c.serverName, notAfter: c.notAfter!.toISOString() })) };
  }

  /** Whether HTTPS has a certificate for this (lowercase) host name; a wildcard covers one DNS label, nothing else. */
  covers = (hostname: string): boolean => {
    if (this.exact.has(hostname)) return true;
    const dot = hostname.indexOf(".");
    return dot > 0 && LABEL.test(hostname.slice(0, dot)) && this.wildcards.has(hostname.slice(dot + 1));
  };

  private async apply(certs: ServedCertificate[]) {
    if (this.closed) return;
    this.current = certs;
    const signature = certs.map((c) => `${c.serverName}\n${c.cert}`).join("\n\n");
    if (signature === this.served) return;
    const old = this.server;
    if (certs.length === 0) {
      this.server = null;
    } else {
      // The new listener first, on the port the old one has: no moment without one.
      this.server = this.opts.listen(this.port ?? this.opts.port, certs);
      this.port = this.server.port;
    }
    this.served = signature;
    this.exact = new Set(certs.filter((c) => !c.serverName.startsWith("*.")).map((c) => c.serverName));
    this.wildcards = new Set(certs.filter((c) => c.serverName.startsWith("*.")).map((c) => c.serverName.slice(2)));
    this.opts.onChange(certs.length ? this.covers : null, this.port ?? this.opts.port);
    void old?.stop(false);
    // Tests and scripts read the port from this line (ROUTER_HTTPS_PORT=0 picks one).
    this.opts.log?.(certs.length ? `HTTPS serving ${certs.length} certificate(s) on port ${this.port}` : "HTTPS closed: no certificate to serve");
  }

  async close() {
    this.closed = true;
    await this.queue;
    await this.server?.stop(true);
    this.server = null;
  }
}

// Lets the kernel hand a closing listener's queued connections to another
// listener of the same port (Linux 5.14+), so a certificate change resets none.
// Machine-wide, so only set where it is off and we may; said once either way.
export async function allowListenerHandover(log?: (line: string) => void) {
  const file = "/proc/sys/net/ipv4/tcp_migrate_req";
  try {
    await writeFile(file, "1");
  } catch (e) {
    log?.(`HTTPS: could not turn on net.ipv4.tcp_migrate_req (${(e as NodeJS.ErrnoException).code ?? (e as Error).message}); a certificate change may reset connections waiting to be accepted. Set it with: sysctl -w net.ipv4.tcp_migrate_req=1`);
  }
}
