import { describe, expect, it } from "vitest";
import { publicRoute } from "@/lib/http/route";

describe("publicRoute", () => {
  const route = publicRoute<{ slug: string }>(async ({ params }) => ({ slug: params.slug }));
  const call = (slug: string) => route(new Request("http://console.test/api/x", { method: "POST" }), { params: Promise.resolve({ slug }) });

  it("passes URL parameters to the handler", async () => {
    const res = await call("demo");
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ slug: "demo" });
  });

  // Found by lib/security/fuzz/json-bodies.fuzz.int.test.ts: a %00 in a
  // project's slug reached Postgres and came back as a 500.
  it.each([
    ["a\0b", "The URL's slug is not valid: Text cannot contain NUL characters (\\0)."],
    ["a\ud800", "The URL's slug is not valid: Text must be valid Unicode: it contains half of a surrogate pair."],
  ])("refuses a parameter that cannot be stored with a 400 before the handler runs", async (slug, message) => {
    const res = await call(slug);
    expect(res.status).toBe(400);
    expect(await res.json()).toEqual({ error: { code: "invalid", message } });
  });
});
