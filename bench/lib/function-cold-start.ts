import { once } from "node:events";
import http from "node:http";
import type { AddressInfo } from "node:net";
import { median } from "@/bench/lib/stats";
import { cleanupTempDirs, makeTempDir } from "@/lib/bundles/testing/temp-dir";
import { functionIndex } from "@/lib/router/functions/function-paths";
import { FunctionPool, type PoolSandbox } from "@/lib/router/functions/function-pool";
import { handleWithNode } from "@/lib/router/functions/node-bridge";
import { createBlobSource } from "@/lib/router/static/blob-source";
import { makeBundle } from "@/lib/router/static/testing";

// A function's cold start: from a request for a deployment whose host is not
// running to its answer (start the host, import the function, answer), with
// the pool as the router runs it. Each sample resets the host first; the
// function files are materialized once, as they are in the router.
export async function functionColdStartMs(sandbox: PoolSandbox, samples: number): Promise<number> {
  const stored = await makeBundle({ "api/hello.js": `export default () => new Response("hello");` });
  const files = [...functionIndex(stored.entries).values()];
  const bundle = { deploymentId: "bench", bundleDigest: "bench-cold-start", files, env: {}, sandboxId: 9999, egressAllow: [] };
  const pool = new FunctionPool({
    source: createBlobSource(stored.store, { maxCachedBytes: 1 << 20, maxFileBytes: 1 << 20 }),
    workDir: await makeTempDir("bench-functions"),
    sandbox,
  });
  const server = http.createServer((req, res) => void handleWithNode(pool, bundle, files[0], req, res, {}));
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;
  const get = () =>
    new Promise<string>((resolve, reject) => {
      http
        .get({ port, host: "127.0.0.1", path: "/api/hello", agent: false }, (res) => {
          let body = "";
          res.on("data", (c) => (body += c));
          res.on("end", () => (res.statusCode === 200 ? resolve(body) : reject(new Error(`${res.statusCode}: ${body}`))));
        })
        .on("error", reject);
    });
  try {
    await get(); // materialize once
    const times: number[] = [];
    for (let i = 0; i < samples; i++) {
      await pool.reset("bench");
      const t0 = performance.now();
      await get();
      times.push(performance.now() - t0);
    }
    return median(times);
  } finally {
    await pool.close();
    server.close();
    await cleanupTempDirs();
  }
}
