export const IMMUTABLE = "public, max-age=31536000, immutable";
export const REVALIDATE = "public, max-age=0, must-revalidate";

// Strong ETag from the content hash: the bytes are immutable per sha256.
export function etagFor(sha256: string): string {
  return `"${sha256.slice(0, 32)}"`;
}

const HASH_SEGMENT = /^(?=.*[0-9])(?=.*[A-Za-z])[A-Za-z0-9_]{8,}$/;

// Whether a file name carries a content hash ("index-C5AweYwL.css",
// "app.3f9a1c2e.js"): some segment after the first, split on "-" or "." before
// the extension, is 8+ characters of [A-Za-z0-9_] with a digit and a letter.
// HTML is never treated as hashed: its URL is the page's stable address.
export function isHashedAssetName(path: string): boolean {
  const name = path.slice(path.lastIndexOf("/") + 1);
  const dot = name.lastIndexOf(".");
  if (dot <= 0) return false;
  const ext = name.slice(dot + 1).toLowerCase();
  if (ext === "html" || ext === "htm") return false;
  const segments = name.slice(0, dot).split(/[-.]/);
  return segments.slice(1).some((s) => HASH_SEGMENT.test(s));
}

export function cacheControlFor(path: string): string {
  return isHashedAssetName(path) ? IMMUTABLE : REVALIDATE;
}
