const MiB = 1024 * 1024;

export type ArchiveLimits = {
  /** Size of the .tar.gz file itself. */
  maxCompressedBytes: number;
  /** Size of the decompressed tar stream: file contents plus tar headers and padding. */
  maxUncompressedBytes: number;
  maxEntries: number;
  /** In bytes, for entry paths and symlink targets. */
  maxPathLength: number;
  maxFileBytes: number;
};

export const DEFAULT_ARCHIVE_LIMITS: Readonly<ArchiveLimits> = Object.freeze({
  maxCompressedBytes: 100 * MiB,
  maxUncompressedBytes: 1024 * MiB,
  maxEntries: 100_000,
  maxPathLength: 1024,
  maxFileBytes: 512 * MiB,
});

export function resolveLimits(overrides?: Partial<ArchiveLimits>): ArchiveLimits {
  const limits = { ...DEFAULT_ARCHIVE_LIMITS };
  for (const [key, value] of Object.entries(overrides ?? {}) as [keyof ArchiveLimits, number | undefined][]) {
    if (value !== undefined) limits[key] = value;
  }
  return limits;
}
