import { createHash } from "node:crypto";
import { Readable } from "node:stream";
import { describe, expect, it } from "vitest";
import { BlobIntegrityError } from "@/lib/bundles/store/blob-store";
import { HashGate } from "@/lib/bundles/store/hash-gate";

const sha = (content: Buffer) => createHash("sha256").update(content).digest("hex");
const chunks = ["first-", "second-", "third"].map((s) => Buffer.from(s));
const whole = Buffer.concat(chunks);

// Feeds chunks through a gate and records what came out before it ended or failed.
async function run(gate: HashGate, input: Buffer[]) {
  const out: Buffer[] = [];
  gate.on("data", (c: Buffer) => out.push(c));
  const result = new Promise<unknown>((resolve) => {
    gate.on("end", () => resolve(null));
    gate.on("error", resolve);
  });
  Readable.from(input).pipe(gate);
  return { error: await result, passed: Buffer.concat(out) };
}

describe("HashGate", () => {
  it("passes every byte through when size and sha256 match", async () => {
    const { error, passed } = await run(new HashGate(sha(whole), whole.length, "f"), chunks);
    expect(error).toBeNull();
    expect(passed.equals(whole)).toBe(true);
  });

  it("withholds the last chunk and fails when the content hashes differently", async () => {
    const { error, passed } = await run(new HashGate(sha(Buffer.from("other")), whole.length, "f"), chunks);
    expect(error).toBeInstanceOf(BlobIntegrityError);
    expect(passed.length).toBeLessThan(whole.length);
    expect(passed.equals(Buffer.from("first-second-"))).toBe(true);
  });

  it("fails when the content is shorter or longer than announced, before sending it all", async () => {
    const short = await run(new HashGate(sha(whole), whole.length + 1, "f"), chunks);
    expect(String(short.error)).toMatch(/shrank/);
    expect(short.passed.length).toBeLessThan(whole.length);

    const long = await run(new HashGate(sha(whole), whole.length - 1, "f"), chunks);
    expect(String(long.error)).toMatch(/grew/);
    expect(long.passed.length).toBeLessThan(whole.length - 1);
  });
});
