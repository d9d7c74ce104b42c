import { Resolver } from "node:dns/promises";
import { loadConfig } from "@/lib/config/env";

// TXT lookups for domain verification, through the DNS servers in DNS_SERVERS
// (the system's when unset), so tests and air-gapped installs can point them
// anywhere. Each lookup gets a resolver of its own: no answer is cached between
// checks, and cancelling one lookup at its deadline touches no other.
export type TxtLookup = (name: string) => Promise<string[]>;

export const LOOKUP_TIMEOUT_MS = 5000;

export function createTxtLookup({ servers, timeoutMs = LOOKUP_TIMEOUT_MS }: { servers?: string[]; timeoutMs?: number } = {}): TxtLookup {
  return async (name) => {
    const resolver = new Resolver({ timeout: Math.ceil(timeoutMs / 2), tries: 2 });
    if (servers?.length) resolver.setServers(servers);
    const deadline = setTimeout(() => resolver.cancel(), timeoutMs);
    try {
      // A TXT record may be split into several strings; its value is their concatenation.
      return (await resolver.resolveTxt(name)).map((chunks) => chunks.join(""));
    } finally {
      clearTimeout(deadline);
    }
  };
}

export const txtLookupFromEnv = (): TxtLookup => createTxtLookup({ servers: loadConfig().DNS_SERVERS });
