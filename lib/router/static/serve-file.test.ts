import { brotliDecompressSync, gunzipSync } from "node:zlib";
import { afterEach, describe, expect, it } from "vitest";
import { cleanupTempDirs } from "@/lib/bundles/testing/temp-dir";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { IMMUTABLE, REVALIDATE } from "@/lib/router/static/cache-headers";
import { CompressedCache } from "@/lib/router/static/compressed-cache";
import { etagMatches, negotiateEncoding, parseRange, serveFile } from "@/lib/router/static/serve-file";
import { countingSource, makeBundle } from "@/lib/router/static/testing";

afterEach(cleanupTempDirs);

const JS = Array.from({ length: 400 }, (_, i) => `export const value${i} = ${i * 7};\n`).join("");
const BIN = Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 31 + 7) % 256));
const FILES = {
  "index.html": `<!doctype html><title>x</title>${"<p>hello</p>".repeat(200)}`,
  "assets/app.3f9a1c2e.js": JS,
  "small.css": "body{color:red}",
  "logo.png": BIN,
  "404.html": `<h1>not here</h1>${" ".repeat(2000)}`,
};

async function setup() {
  const bundle = await makeBundle(FILES);
  const source = countingSource(createBlobSource(bundle.store, { maxCachedBytes: 1 << 20, maxFileBytes: 1 << 20 }));
  const compressed = new CompressedCache({ maxBytes: 1 << 20 });
  const serve = (p: string, req: { method?: string; headers?: Record<string, string> } = {}, status?: number) =>
    serveFile({ method: "GET", ...req, headers: new Headers(req.headers) }, bundle.entry(p), source, status, { compressed });
  return { ...bundle, source, compressed, serve };
}

const text = (body: unknown) => (body as Buffer).toString();

describe("serveFile", () => {
  it("serves GET with type, length, ETag, cache and nosniff headers", async () => {
    const { serve, entry } = await setup();
    const res = await serve("assets/app.3f9a1c2e.js");
    expect(res.status).toBe(200);
    expect(text(res.body)).toBe(JS);
    expect(res.headers).toMatchObject({
      "Content-Type": "text/javascript; charset=utf-8",
      "Content-Length": String(Buffer.byteLength(JS)),
      ETag: `"${entry("assets/app.3f9a1c2e.js").sha256.slice(0, 32)}"`,
      "Cache-Control": IMMUTABLE,
      "X-Content-Type-Options": "nosniff",
      "Accept-Ranges": "bytes",
      Vary: "Accept-Encoding",
    });
    expect(res.headers["Content-Encoding"]).toBeUndefined();
    const html = await serve("index.html");
    expect(html.headers["Cache-Control"]).toBe(REVALIDATE);
    const png = await serve("logo.png");
    expect(Buffer.compare(png.body as Buffer, BIN)).toBe(0);
    expect(png.headers.Vary).toBeUndefined();
  });

  it("refuses other methods with 405 and Allow", async () => {
    const { serve, source } = await setup();
    for (const method of ["POST", "PUT", "DELETE", "OPTIONS", "PATCH"]) {
      const res = await serve("index.html", { method });
      expect(res.status).toBe(405);
      expect(res.headers.Allow).toBe("GET, HEAD");
      expect(res.headers["X-Content-Type-Options"]).toBe("nosniff");
      expect(res.body).toBeNull();
    }
    expect(source.reads).toBe(0);
  });

  it("answers 304 to a matching If-None-Match without reading the blob", async () => {
    const { serve, source, entry } = await setup();
    const etag = `"${entry("index.html").sha256.slice(0, 32)}"`;
    for (const inm of [etag, "*", `"nope", ${etag}`, `W/${etag}`, `"a",W/${etag} , "b"`]) {
      const res = await serve("index.html", { headers: { "if-none-match": inm } });
      expect(res.status, inm).toBe(304);
      expect(res.body).toBeNull();
      expect(res.headers.ETag).toBe(etag);
      expect(res.headers["Cache-Control"]).toBe(REVALIDATE);
    }
    expect(source.reads).toBe(0);
    const miss = await serve("index.html", { headers: { "if-none-match": `"other", W/"x"` } });
    expect(miss.status).toBe(200);
    // Header names are matched case-insensitively, and arrays are lists.
    const arr = await serve("index.html", { headers: { "if-none-match": `"zz", ${etag}` } });
    expect(arr.status).toBe(304);
  });

  it("serves single byte ranges as 206 and refuses unsatisfiable ones with 416", async () => {
    const { serve } = await setup();
    const size = Buffer.byteLength(JS);
    const range = async (r: string, extra: Record<string, string> = {}) =>
      serve("assets/app.3f9a1c2e.js", { headers: { range: r, "accept-encoding": "br, gzip", ...extra } });

    let res = await range("bytes=0-9");
    expect(res.status).toBe(206);
    expect(text(res.body)).toBe(JS.slice(0, 10));
    expect(res.headers["Content-Range"]).toBe(`bytes 0-9/${size}`);
    expect(res.headers["Content-Length"]).toBe("10");
    expect(res.headers["Content-Encoding"]).toBeUndefined();

    res = await range("bytes=100-");
    expect(text(res.body)).toBe(JS.slice(100));
    expect(res.headers["Content-Range"]).toBe(`bytes 100-${size - 1}/${size}`);

    res = await range("bytes=-5");
    expect(text(res.body)).toBe(JS.slice(-5));
    expect(res.headers["Content-Range"]).toBe(`bytes ${size - 5}-${size - 1}/${size}`);

    res = await range(`bytes=10-${size * 2}`);
    expect(res.status).toBe(206);
    expect(text(res.body)).toBe(JS.slice(10));

    res = await range(`bytes=-${size * 2}`);
    expect(text(res.body)).toBe(JS);

    for (const bad of [`bytes=${size}-`, `bytes=${size + 5}-${size + 9}`, "bytes=-0"]) {
      res = await range(bad);
      expect(res.status, bad).toBe(416);
      expect(res.headers["Content-Range"]).toBe(`bytes */${size}`);
      expect(res.body).toBeNull();
    }

    // Ignored ranges: several ranges, bad syntax, other units, stale If-Range.
    for (const [r, extra] of [
      ["bytes=0-1,5-9", {}],
      ["bytes=9-2", {}],
      ["bytes=abc", {}],
      ["items=0-1", {}],
      ["bytes=0-9", { "if-range": '"stale"' }],
    ] as const) {
      res = await range(r, extra);
      expect(res.status, r).toBe(200);
      expect(text(res.body)).toBe(JS);
      expect(res.headers["Content-Encoding"], r).toBeUndefined();
    }
    res = await range("bytes=0-9", { "if-range": res.headers.ETag });
    expect(res.status).toBe(206);
  });

  it("answers HEAD with headers and the right Content-Length but no body", async () => {
    const { serve, source } = await setup();
    const res = await serve("logo.png", { method: "HEAD" });
    expect(res.status).toBe(200);
    expect(res.body).toBeNull();
    expect(res.headers["Content-Length"]).toBe(String(BIN.length));
    expect(source.reads).toBe(0);

    const headBr = await serve("index.html", { method: "head", headers: { "accept-encoding": "br" } });
    const getBr = await serve("index.html", { headers: { "accept-encoding": "br" } });
    expect(headBr.body).toBeNull();
    expect(headBr.headers["Content-Encoding"]).toBe("br");
    expect(headBr.headers["Content-Length"]).toBe(String((getBr.body as Buffer).length));

    const headRange = await serve("logo.png", { method: "HEAD", headers: { range: "bytes=0-99" } });
    expect(headRange.status).toBe(206);
    expect(headRange.headers["Content-Length"]).toBe("100");
    expect(headRange.body).toBeNull();
  });

  it("negotiates br over gzip, honours q-values, and caches the compressed body", async () => {
    const { serve, source, compressed } = await setup();
    const js = "assets/app.3f9a1c2e.js";
    const enc = async (ae: string) => {
      const res = await serve(js, { headers: { "accept-encoding": ae } });
      const body = res.body as Buffer;
      const encoding = res.headers["Content-Encoding"] ?? "identity";
      const plain = encoding === "br" ? brotliDecompressSync(body) : encoding === "gzip" ? gunzipSync(body) : body;
      expect(plain.toString(), ae).toBe(JS);
      expect(res.headers["Content-Length"]).toBe(String(body.length));
      expect(res.headers.Vary).toBe("Accept-Encoding");
      if (encoding !== "identity") expect(body.length).toBeLessThan(Buffer.byteLength(JS));
      return encoding;
    };

    expect(await enc("gzip, deflate, br")).toBe("br");
    expect(source.reads).toBe(1);
    expect(compressed.compressions).toBe(1);
    expect(await enc("br")).toBe("br");
    expect(await enc("gzip, br")).toBe("br");
    expect(source.reads).toBe(1); // served from the compressed cache
    expect(compressed.compressions).toBe(1);

    expect(await enc("gzip")).toBe("gzip");
    expect(await enc("br;q=0, gzip")).toBe("gzip");
    expect(await enc("br;q=0.5, gzip;q=0.8")).toBe("gzip");
    expect(compressed.compressions).toBe(2);
    expect(await enc("*")).toBe("br");
    expect(await enc("*;q=0.1, br;q=0")).toBe("gzip");
    expect(await enc("gzip;q=0, br;q=0")).toBe("identity");
    expect(await enc("identity")).toBe("identity");
    expect(await enc("deflate")).toBe("identity");
    expect(await enc("")).toBe("identity");
    expect(compressed.compressions).toBe(2);
  });

  it("compresses concurrent requests once", async () => {
    const { serve, source, compressed } = await setup();
    const all = await Promise.all(
      Array.from({ length: 8 }, () => serve("index.html", { headers: { "accept-encoding": "gzip" } })),
    );
    for (const r of all) expect(gunzipSync(r.body as Buffer).toString()).toBe(FILES["index.html"]);
    expect(compressed.compressions).toBe(1);
    expect(source.reads).toBe(1);
  });

  it("does not compress small files or binary types", async () => {
    const { serve, compressed } = await setup();
    const small = await serve("small.css", { headers: { "accept-encoding": "br, gzip" } });
    expect(text(small.body)).toBe(FILES["small.css"]);
    expect(small.headers["Content-Encoding"]).toBeUndefined();
    expect(small.headers.Vary).toBeUndefined();
    const png = await serve("logo.png", { headers: { "accept-encoding": "br, gzip" } });
    expect(png.headers["Content-Encoding"]).toBeUndefined();
    expect(compressed.compressions).toBe(0);
  });

  it("serves a custom 404 page with its status and no conditional/range handling", async () => {
    const { serve } = await setup();
    const res = await serve("404.html", { headers: { "if-none-match": "*", range: "bytes=0-3", "accept-encoding": "gzip" } }, 404);
    expect(res.status).toBe(404);
    expect(res.headers.ETag).toBeUndefined();
    expect(res.headers["Content-Encoding"]).toBe("gzip");
    expect(gunzipSync(res.body as Buffer).toString()).toBe(FILES["404.html"]);
    expect(res.headers["Cache-Control"]).toBe(REVALIDATE);
  });

  it("fails loudly when the blob's size disagrees with the manifest", async () => {
    const { entry, source } = await setup();
    const wrong = { ...entry("logo.png"), size: BIN.length + 1 };
    await expect(serveFile({ method: "GET", headers: new Headers() }, wrong, source)).rejects.toThrow(/bytes, the manifest says/);
  });
});

describe("header parsing", () => {
  it("parseRange", () => {
    expect(parseRange("bytes=0-0", 10)).toEqual({ start: 0, end: 0 });
    expect(parseRange("bytes= 2 - 4 ", 10)).toEqual({ start: 2, end: 4 });
    expect(parseRange("BYTES=5-", 10)).toEqual({ start: 5, end: 9 });
    expect(parseRange("bytes=-3", 10)).toEqual({ start: 7, end: 9 });
    expect(parseRange("bytes=0-", 0)).toBe("unsatisfiable");
    expect(parseRange("bytes=-1", 0)).toBe("unsatisfiable");
    expect(parseRange("bytes=-", 10)).toBeNull();
    expect(parseRange("bytes=1-2,", 10)).toEqual({ start: 1, end: 2 });
    expect(parseRange("bytes=1-2,3-4", 10)).toBeNull();
  });

  it("etagMatches and negotiateEncoding", () => {
    expect(etagMatches('W/"a"', '"a"')).toBe(true);
    expect(etagMatches('"ab"', '"a"')).toBe(false);
    expect(etagMatches("", '"a"')).toBe(false);
    expect(negotiateEncoding(undefined)).toBeNull();
    expect(negotiateEncoding("BR;Q=1")).toBe("br");
    expect(negotiateEncoding("br;q=0.9, gzip;q=0.9")).toBe("br");
    expect(negotiateEncoding("x-gzip")).toBe("gzip");
  });
});
