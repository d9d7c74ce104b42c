import type { ArchiveTotals } from "@/lib/archive/entry-rules";
import { resolveLimits, type ArchiveLimits } from "@/lib/archive/limits";
import { readArchive } from "@/lib/archive/read-archive";

// Checks an untrusted .tar.gz without writing anything. Throws ArchiveError on
// the first entry extractArchive would refuse.
export async function inspectArchive(file: string, limits?: Partial<ArchiveLimits>): Promise<ArchiveTotals> {
  return readArchive(file, resolveLimits(limits), async (_entry, body) => {
    for await (const chunk of body) void chunk;
  });
}
