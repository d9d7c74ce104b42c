import dgram from "node:dgram";
import { readFileSync, renameSync, writeFileSync } from "node:fs";
import dnsPacket, { type Answer } from "dns-packet";

// A real DNS server on loopback (UDP) for tests: it answers TXT and A queries
// from an in-memory zone the test changes as it goes, NXDOMAIN for names the
// zone lacks, SERVFAIL for everything in "servfail" mode, and nothing at all in
// "silent" mode (a server that is down or filtered). With `zoneFile`
// it reads its zone from that JSON file on every query, so another process (a
// Playwright spec) can change the records (writeDnsZone).
export type DnsRecords = { TXT?: string[]; A?: string[] };
export type DnsZone = Record<string, DnsRecords>;

export type TestDnsServer = {
  port: number;
  /** For DNS_SERVERS / createTxtLookup({ servers }). */
  address: string;
  /** Names are matched case-insensitively, without a trailing dot. */
  setRecords: (name: string, records: DnsRecords) => void;
  removeRecords: (name: string) => void;
  mode: "answer" | "servfail" | "silent";
  /** Every question asked, in order ("TXT _slipway.example.com"). */
  queries: string[];
  close: () => Promise<void>;
};

const RCODE = { NOERROR: 0, SERVFAIL: 2, NXDOMAIN: 3 };
const MAX_TXT_CHUNK = 255;

const key = (name: string) => name.toLowerCase().replace(/\.$/, "");

export async function startDnsServer(opts: { port?: number; zone?: DnsZone; zoneFile?: string } = {}): Promise<TestDnsServer> {
  const zone = new Map(Object.entries(opts.zone ?? {}).map(([name, records]) => [key(name), records]));
  const socket = dgram.createSocket("udp4");
  const currentZone = (): Map<string, DnsRecords> => {
    if (!opts.zoneFile) return zone;
    try {
      const fromFile = JSON.parse(readFileSync(opts.zoneFile, "utf8")) as DnsZone;
      return new Map(Object.entries(fromFile).map(([name, records]) => [key(name), records]));
    } catch {
      return new Map();
    }
  };

  const server: TestDnsServer = {
    port: 0,
    address: "",
    setRecords: (name, records) => void zone.set(key(name), records),
    removeRecords: (name) => void zone.delete(key(name)),
    mode: "answer",
    queries: [],
    close: () => new Promise((resolve) => socket.close(() => resolve())),
  };

  socket.on("message", (message, from) => {
    let query: dnsPacket.DecodedPacket;
    try {
      query = dnsPacket.decode(message);
    } catch {
      return; // not DNS: a real server would drop it too
    }
    const questions = query.questions ?? [];
    for (const q of questions) server.queries.push(`${q.type} ${key(q.name)}`);
    if (server.mode === "silent") return;
    const { rcode, answers } = server.mode === "servfail" ? { rcode: RCODE.SERVFAIL, answers: [] } : answer(currentZone(), questions);
    const flags = dnsPacket.AUTHORITATIVE_ANSWER | dnsPacket.RECURSION_AVAILABLE | (query.flag_rd ? dnsPacket.RECURSION_DESIRED : 0) | rcode;
    const reply = dnsPacket.encode({ type: "response", id: query.id, flags, questions, answers });
    socket.send(reply, from.port, from.address);
  });

  await new Promise<void>((resolve, reject) => {
    socket.once("error", reject);
    socket.bind(opts.port ?? 0, "127.0.0.1", () => {
      socket.off("error", reject);
      resolve();
    });
  });
  server.port = socket.address().port;
  server.address = `127.0.0.1:${server.port}`;
  return server;
}

function answer(zone: Map<string, DnsRecords>, questions: dnsPacket.Question[]): { rcode: number; answers: Answer[] } {
  const answers: Answer[] = [];
  for (const q of questions) {
    const records = zone.get(key(q.name));
    if (!records) return { rcode: RCODE.NXDOMAIN, answers: [] };
    // A name that exists without records of the asked type answers NOERROR with nothing (NODATA).
    if (q.type === "TXT") {
      for (const value of records.TXT ?? []) answers.push({ type: "TXT", name: q.name, ttl: 0, data: chunks(value) });
    } else if (q.type === "A") {
      for (const ip of records.A ?? []) answers.push({ type: "A", name: q.name, ttl: 0, data: ip });
    }
  }
  return { rcode: RCODE.NOERROR, answers };
}

// One TXT value as the character-strings of at most 255 bytes DNS carries it in.
function chunks(value: string): Buffer[] {
  const bytes = Buffer.from(value);
  const out: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += MAX_TXT_CHUNK) out.push(bytes.subarray(i, i + MAX_TXT_CHUNK));
  return out.length ? out : [Buffer.alloc(0)];
}

// Replaces the zone a `zoneFile` server answers from, atomically (a query never reads half a file).
export function writeDnsZone(zoneFile: string, zone: DnsZone) {
  writeFileSync(`${zoneFile}.tmp`, JSON.stringify(zone));
  renameSync(`${zoneFile}.tmp`, zoneFile);
}
