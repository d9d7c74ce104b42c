import type { ManifestEntry } from "@/lib/bundles/build-manifest";
import type { FileSource } from "@/lib/router/static/blob-source";
import { cacheControlFor, etagFor } from "@/lib/router/static/cache-headers";
import { CompressedCache, type Encoding } from "@/lib/router/static/compressed-cache";

/** The request's method and headers (a fetch Request's will do). */
export type StaticRequest = { method: string; headers: { get(name: string): string | null } };

export type StaticResponse = {
  status: number;
  headers: Record<string, string>;
  body: Buffer | NodeJS.ReadableStream | null;
};

export type ServeOptions = { compressed?: CompressedCache };

export const MIN_COMPRESS_BYTES = 1024;

// Shared by every call that does not pass its own cache.
let defaultCache: CompressedCache | undefined;
const sharedCache = () => (defaultCache ??= new CompressedCache({ maxBytes: 64 * 1024 * 1024 }));

const COMPRESSIBLE = new Set([
  "application/javascript",
  "application/x-javascript",
  "application/json",
  "application/manifest+json",
  "application/xml",
  "application/wasm",
  "image/svg+xml",
]);

export function isCompressible(contentType: string): boolean {
  const mime = contentType.split(";")[0].trim().toLowerCase();
  return mime.startsWith("text/") || COMPRESSIBLE.has(mime) || mime.endsWith("+json") || mime.endsWith("+xml");
}

function header(req: StaticRequest, name: string): string | undefined {
  return req.headers.get(name) ?? undefined;
}

const opaque = (tag: string) => (tag.startsWith("W/") ? tag.slice(2) : tag);

// If-None-Match uses the weak comparison: W/"x" matches "x".
export function etagMatches(ifNoneMatch: string, etag: string): boolean {
  const want = opaque(etag);
  return ifNoneMatch.split(",").some((raw) => {
    const tag = raw.trim();
    return tag === "*" || (tag !== "" && opaque(tag) === want);
  });
}

export type ByteRange = { start: number; end: number };

// One "bytes=" range against a body of `size` bytes: the range, "unsatisfiable",
// or null to ignore the header (other units, bad syntax, several ranges).
export function parseRange(value: string, size: number): ByteRange | "unsatisfiable" | null {
  const m = /^\s*bytes\s*=(.*)$/i.exec(value);
  if (!m) return null;
  const specs = m[1].split(",").map((s) => s.trim()).filter((s) => s !== "");
  if (specs.length !== 1) return null;
  const spec = /^(\d*)\s*-\s*(\d*)$/.exec(specs[0]);
  if (!spec || (spec[1] === "" && spec[2] === "")) return null;
  if (spec[1] === "") {
    const suffix = Number(spec[2]);
    if (suffix === 0 || size === 0) return "unsatisfiable";
    return { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const start = Number(spec[1]);
  const last = spec[2] === "" ? Infinity : Number(spec[2]);
  if (!Number.isSafeInteger(start) || last < start) return null;
  if (start >= size) return "unsatisfiable";
  return { start, end: Math.min(last, size - 1) };
}

// Picks br or gzip from Accept-Encoding by q-value (br wins a tie); q=0
// refuses a coding, and "*" stands for any coding not listed.
export function negotiateEncoding(acceptEncoding: string | undefined): Encoding | null {
  if (!acceptEncoding) return null;
  const q = new Map<string, number>();
  for (const part of acceptEncoding.split(",")) {
    const [name, ...params] = part.split(";").map((s) => s.trim());
    if (!name) continue;
    let weight = 1;
    for (const p of params) {
      const m = /^q\s*=\s*([0-9.]+)$/i.exec(p);
      if (m) weight = Number(m[1]);
    }
    if (!Number.isFinite(weight)) weight = 0;
    q.set(name.toLowerCase(), weight);
  }
  const star = q.get("*") ?? 0;
  const br = q.get("br") ?? star;
  const gz = q.get("gzip") ?? q.get("x-gzip") ?? star;
  if (br <= 0 && gz <= 0) return null;
  return br >= gz ? "br" : "gzip";
}

function checked(entry: ManifestEntry, data: Buffer): Buffer {
  if (data.length !== entry.size) {
    throw new Error(`Blob ${entry.sha256} for ${entry.path} is ${data.length} bytes, the manifest says ${entry.size}.`);
  }
  return data;
}

async function readChecked(source: FileSource, entry: ManifestEntry): Promise<Buffer> {
  return checked(entry, await source.read(entry.sha256));
}

// What never changes for an entry, worked out once per entry object.
type EntryFacts = { etag: string; cacheControl: string; compressible: boolean };
const facts = new WeakMap<ManifestEntry, EntryFacts>();
function factsOf(entry: ManifestEntry): EntryFacts {
  let f = facts.get(entry);
  if (!f) {
    f = {
      etag: etagFor(entry.sha256),
      cacheControl: cacheControlFor(entry.path),
      compressible: isCompressible(entry.contentType) && entry.size >= MIN_COMPRESS_BYTES,
    };
    facts.set(entry, f);
  }
  return f;
}

// Builds the response for one bundle file. `status` is 200 for the file asked
// for, or e.g. 404 when serving a custom 404 page (then no 304 or 206).
// Answers synchronously when the bytes it needs are already in memory, so the
// router's hot path allocates no promise; otherwise returns a promise.
export function serveFile(
  req: StaticRequest,
  entry: ManifestEntry,
  source: FileSource,
  status = 200,
  opts: ServeOptions = {},
): StaticResponse | Promise<StaticResponse> {
  const method = req.method.toUpperCase();
  const headers: Record<string, string> = { "X-Content-Type-Options": "nosniff" };
  if (method !== "GET" && method !== "HEAD") {
    return { status: 405, headers: { ...headers, Allow: "GET, HEAD", "Content-Length": "0" }, body: null };
  }
  const head = method === "HEAD";
  const ok = status === 200;
  const { etag, cacheControl, compressible } = factsOf(entry);

  headers["Cache-Control"] = cacheControl;
  if (compressible) headers["Vary"] = "Accept-Encoding";
  if (ok) {
    headers["ETag"] = etag;
    headers["Accept-Ranges"] = "bytes";
    const inm = header(req, "if-none-match");
    if (inm !== undefined && etagMatches(inm, etag)) return { status: 304, headers, body: null };
  }
  headers["Content-Type"] = entry.contentType;

  const rangeHeader = ok ? header(req, "range") : undefined;
  if (rangeHeader !== undefined) {
    const ifRange = header(req, "if-range")?.trim();
    // If-Range with a date never matches: there is no Last-Modified.
    const rangeValid = ifRange === undefined || (!ifRange.startsWith("W/") && ifRange === etag);
    const range = rangeValid ? parseRange(rangeHeader, entry.size) : null;
    if (range === "unsatisfiable") {
      return {
        status: 416,
        headers: { ...headers, "Content-Range": `bytes */${entry.size}`, "Content-Length": "0" },
        body: null,
      };
    }
    if (range) {
      const length = range.end - range.start + 1;
      headers["Content-Range"] = `bytes ${range.start}-${range.end}/${entry.size}`;
      headers["Content-Length"] = String(length);
      if (head) return { status: 206, headers, body: null };
      const cached = source.peek?.(entry.sha256);
      if (cached) return partial(headers, checked(entry, cached), range);
      return readChecked(source, entry).then((data) => partial(headers, data, range));
    }
  }

  // A Range header (even an ignored one) means the identity body.
  const encoding = compressible && rangeHeader === undefined ? negotiateEncoding(header(req, "accept-encoding")) : null;
  if (encoding) {
    const cache = opts.compressed ?? sharedCache();
    const packed = cache.peek(entry.sha256, encoding);
    if (packed) return packedOrIdentity(entry, source, status, headers, head, packed, encoding);
    return cache
      .get(entry.sha256, encoding, () => readChecked(source, entry))
      .then((p) => packedOrIdentity(entry, source, status, headers, head, p, encoding));
  }
  return identityBody(entry, source, status, headers, head);
}

// The helpers below are module-level on purpose: closures made per request
// cost the hot path an allocation each (and a defineProperty under tsx).

function partial(headers: Record<string, string>, data: Buffer, range: ByteRange): StaticResponse {
  return { status: 206, headers, body: data.subarray(range.start, range.end + 1) };
}

function identity(entry: ManifestEntry, status: number, headers: Record<string, string>, data: Buffer | null): StaticResponse {
  headers["Content-Length"] = String(entry.size);
  return { status, headers, body: data };
}

function identityBody(entry: ManifestEntry, source: FileSource, status: number, headers: Record<string, string>, head: boolean) {
  if (head) return identity(entry, status, headers, null);
  const cached = source.peek?.(entry.sha256);
  if (cached) return identity(entry, status, headers, checked(entry, cached));
  return readChecked(source, entry).then((data) => identity(entry, status, headers, data));
}

function packedOrIdentity(
  entry: ManifestEntry,
  source: FileSource,
  status: number,
  headers: Record<string, string>,
  head: boolean,
  packed: Buffer,
  encoding: Encoding,
): StaticResponse | Promise<StaticResponse> {
  if (packed.length >= entry.size) return identityBody(entry, source, status, headers, head);
  headers["Content-Encoding"] = encoding;
  headers["Content-Length"] = String(packed.length);
  return { status, headers, body: head ? null : packed };
}
