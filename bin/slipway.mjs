#!/usr/bin/env node
// The slipway CLI. It is written in TypeScript (lib/cli/), run through tsx with
// the repository's tsconfig so "@/..." imports resolve from any directory.
import { fileURLToPath } from "node:url";
import { register } from "tsx/esm/api";

register({ tsconfig: fileURLToPath(new URL("../tsconfig.json", import.meta.url)) });
const { main } = await import("../lib/cli/main.ts");
process.exitCode = await main(process.argv.slice(2));
