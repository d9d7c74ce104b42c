// Generates the Prisma client (lib/generated/prisma) after install and before builds.
// Generation never runs the schema engine, but the CLI insists on finding one and
// would download it; where no engine binary is installed (machines without access
// to Prisma's servers), point it at a harmless executable instead.
import { spawnSync } from "node:child_process";
import { existsSync, readdirSync } from "node:fs";
import path from "node:path";

const root = path.resolve(import.meta.dirname, "..");
const enginesDir = path.join(root, "node_modules/@prisma/engines");
const hasEngine = existsSync(enginesDir) && readdirSync(enginesDir).some((f) => f.startsWith("schema-engine"));
const env = { ...process.env, PRISMA_HIDE_UPDATE_MESSAGE: "1" };
if (!hasEngine && !env.PRISMA_SCHEMA_ENGINE_BINARY) env.PRISMA_SCHEMA_ENGINE_BINARY = "/bin/true";

const cli = path.join(root, "node_modules/prisma/build/index.js");
const result = spawnSync(process.execPath, [cli, "generate", "--schema", "prisma/schema.prisma"], {
  cwd: root,
  env,
  stdio: ["ignore", "inherit", "inherit"],
});
process.exit(result.status ?? 1);
