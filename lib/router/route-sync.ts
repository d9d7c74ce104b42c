import pg from "pg";
import { ROUTES_CHANNEL } from "@/lib/routes/lock-route";
import { loadAllRoutes, loadDomains, loadRoute } from "@/lib/router/load-routes";
import type { RouteEntry, RouteTable } from "@/lib/router/route-table";

export type SyncStatus = {
  /** A route table has been loaded at least once (the router can serve). */
  hasTable: boolean;
  /** Whether the LISTEN connection is up and the last query worked. */
  database: "up" | "down";
  lastSyncAt: string | null;
  lastError: string | null;
  routes: number;
};

export type RouteSyncOptions = {
  databaseUrl: string;
  table: RouteTable;
  /** Runs before entries go live (loads their manifests), so no request waits for them. */
  prepare: (entries: RouteEntry[]) => Promise<void>;
  /** After any change to the table. */
  onChange?: () => void;
  /** Reloads the ready instances of server deployments (on every resync and on an {"instances":true} notification). */
  reloadInstances?: () => Promise<void>;
  /** Reloads the certificates HTTPS serves (on every resync and on a {"certificates":true} notification). */
  reloadCertificates?: () => Promise<void>;
  resyncMs: number;
  log?: (line: string) => void;
};

const RECONNECT_MIN_MS = 100;
const RECONNECT_MAX_MS = 500;

// Keeps a RouteTable in step with Postgres: a full load at start, one route
// reloaded on each NOTIFY (delivered when the publishing transaction
// commits), and a full resync every `resyncMs` and after every reconnect, so
// a missed notification heals. If Postgres goes away the table stays as it
// was and the router keeps serving it; the listener reconnects by itself.
export class RouteSync {
  readonly pool: pg.Pool;
  private listener: pg.Client | null = null;
  private listening = false;
  private lastQueryOk = false;
  private lastSyncAt: Date | null = null;
  private lastError: string | null = null;
  private reconnectDelay = RECONNECT_MIN_MS;
  private reconnectTimer: NodeJS.Timeout | null = null;
  private resyncTimer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly reloading = new Map<string, { again: boolean }>();
  private firstLoad: { promise: Promise<void>; resolve: () => void };

  constructor(private readonly opts: RouteSyncOptions) {
    this.pool = new pg.Pool({ connectionString: opts.databaseUrl, max: 4, connectionTimeoutMillis: 2000, idleTimeoutMillis: 10_000 });
    this.pool.on("error", () => undefined);
    let resolve!: () => void;
    this.firstLoad = { promise: new Promise<void>((r) => (resolve = r)), resolve };
  }

  start() {
    void this.connect();
    this.resyncTimer = setInterval(() => void this.resync(), this.opts.resyncMs);
    this.resyncTimer.unref();
  }

  /** Resolves once the first full table has been loaded. */
  ready(): Promise<void> {
    return this.firstLoad.promise;
  }

  status(): SyncStatus {
    return {
      hasTable: this.opts.table.loaded,
      database: this.listening && this.lastQueryOk ? "up" : "down",
      lastSyncAt: this.lastSyncAt?.toISOString() ?? null,
      lastError: this.lastError,
      routes: this.opts.table.size,
    };
  }

  async close() {
    this.closed = true;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.resyncTimer) clearInterval(this.resyncTimer);
    const listener = this.listener;
    this.listener = null;
    await listener?.end().catch(() => undefined);
    await this.pool.end().catch(() => undefined);
  }

  private async connect() {
    if (this.closed) return;
    const client = new pg.Client({ connectionString: this.opts.databaseUrl, connectionTimeoutMillis: 2000, keepAlive: true });
    const lost = (e?: Error) => this.lost(client, e);
    client.on("error", lost);
    client.on("end", () => lost());
    client.on("notification", (msg) => this.onNotification(msg.payload));
    this.listener = client;
    try {
      await client.connect();
      await client.query(`LISTEN ${ROUTES_CHANNEL}`);
      if (this.listener !== client) return;
      this.listening = true;
      this.reconnectDelay = RECONNECT_MIN_MS;
      if (this.lastError) this.opts.log?.("database reachable again; resyncing routes");
      await this.resync();
    } catch (e) {
      lost(e as Error);
    }
  }

  private lost(client: pg.Client, e?: Error) {
    if (this.listener !== client) return;
    this.listener = null;
    this.listening = false;
    client.removeAllListeners("notification");
    client.end().catch(() => undefined);
    if (this.closed) return;
    this.fail(e?.message ?? "the connection to Postgres closed");
    this.reconnectTimer = setTimeout(() => void this.connect(), this.reconnectDelay);
    this.reconnectTimer.unref();
    this.reconnectDelay = Math.min(this.reconnectDelay * 2, RECONNECT_MAX_MS);
  }

  private fail(message: string) {
    if (this.lastError !== message) this.opts.log?.(`route sync: ${message}; serving the last route table`);
    this.lastError = message;
    this.lastQueryOk = false;
  }

  private ok() {
    this.lastQueryOk = true;
    this.lastError = null;
    this.lastSyncAt = new Date();
  }

  /** Reloads everything; the table keeps any entry that is already newer. */
  async resync() {
    if (this.closed) return;
    try {
      const [{ routes, domains }] = await Promise.all([loadAllRoutes(this.pool), this.opts.reloadInstances?.(), this.opts.reloadCertificates?.()]);
      await this.opts.prepare(routes);
      this.opts.table.replaceAll(routes, domains);
      this.ok();
      this.firstLoad.resolve();
      this.opts.onChange?.();
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  private onNotification(payload: string | undefined) {
    let message: { route?: unknown; domains?: unknown; instances?: unknown; certificates?: unknown } | null = null;
    try {
      message = JSON.parse(payload ?? "");
    } catch {
      // not ours to understand: reload everything
    }
    if (message && typeof message.route === "string") void this.reloadRoute(message.route);
    else if (message?.domains === true) void this.reloadDomains();
    else if (message?.instances === true) void this.reloadInstances();
    else if (message?.certificates === true) void this.reloadCertificates();
    else void this.resync();
  }

  // One reload per route at a time; a notification that arrives meanwhile
  // asks for one more, so the last change is never lost.
  private async reloadRoute(name: string) {
    const running = this.reloading.get(name);
    if (running) {
      running.again = true;
      return;
    }
    const state = { again: true };
    this.reloading.set(name, state);
    try {
      while (state.again && !this.closed) {
        state.again = false;
        const entry = await loadRoute(this.pool, name);
        if (entry) await this.opts.prepare([entry]);
        if (this.opts.table.apply(name, entry)) this.opts.onChange?.();
        this.ok();
      }
    } catch (e) {
      this.fail((e as Error).message);
    } finally {
      this.reloading.delete(name);
    }
  }

  // Instances change as they start and stop; a reload that is running covers a notification that arrives meanwhile only if it starts after it.
  private instancesReload: { running: boolean; again: boolean } = { running: false, again: false };
  private async reloadInstances() {
    const state = this.instancesReload;
    if (state.running) {
      state.again = true;
      return;
    }
    state.running = true;
    try {
      do {
        state.again = false;
        await this.opts.reloadInstances?.();
        this.ok();
      } while (state.again && !this.closed);
    } catch (e) {
      this.fail((e as Error).message);
    } finally {
      state.running = false;
    }
  }

  private async reloadCertificates() {
    try {
      await this.opts.reloadCertificates?.();
      this.ok();
    } catch (e) {
      this.fail((e as Error).message);
    }
  }

  private async reloadDomains() {
    try {
      this.opts.table.setDomains(await loadDomains(this.pool));
      this.ok();
    } catch (e) {
      this.fail((e as Error).message);
    }
  }
}
