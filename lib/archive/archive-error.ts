// Thrown for anything wrong with an uploaded archive. `message` is written for
// the person who made the archive and names the offending entry when there is one.
export type ArchiveErrorCode =
  | "absolute_path"
  | "path_traversal"
  | "invalid_path"
  | "path_too_long"
  | "link_escape"
  | "through_symlink"
  | "hardlink"
  | "unsupported_type"
  | "duplicate"
  | "conflict"
  | "too_large"
  | "too_many_entries"
  | "not_gzip"
  | "corrupt";

export class ArchiveError extends Error {
  readonly code: ArchiveErrorCode;
  readonly entry?: string;

  constructor(code: ArchiveErrorCode, message: string, entry?: string) {
    super(message);
    this.name = "ArchiveError";
    this.code = code;
    this.entry = entry;
  }
}

export const isArchiveError = (e: unknown): e is ArchiveError => e instanceof ArchiveError;
