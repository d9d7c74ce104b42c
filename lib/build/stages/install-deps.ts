import path from "node:path";
import { type BuildContext, runUserCommand } from "@/lib/build/build-context";
import { depCacheKey, restoreDeps } from "@/lib/build/dep-cache";
import { giveToSandbox } from "@/lib/sandbox/workspace";

// Installs dependencies, or restores them from the project's cache when the
// lockfile is one it has installed before. Returns the stage's detail line, or null when
// there is nothing to install (no package.json and no install command). A fresh
// install is saved to the cache once the deployment is over (run-build.ts), off
// the path to live.
export async function installDeps(ctx: BuildContext): Promise<string | null> {
  const command = ctx.settings!.installCommand;
  if (!command) return null;
  // Per project: what one project's build left in node_modules never reaches another's.
  const cacheDir = path.join(ctx.deps.dataDir, "cache", "deps", ctx.project.id);
  const key = await depCacheKey(ctx.appDir, command);
  if (key && (await restoreDeps(cacheDir, key, ctx.appDir))) {
    if (ctx.uid !== null) await giveToSandbox(path.join(ctx.appDir, "node_modules"), ctx.uid);
    ctx.log.system(`Restored node_modules from the dependency cache (lockfile ${key.slice(0, 12)}); skipping \`${command}\``);
    return "restored from cache";
  }
  await runUserCommand(ctx, command);
  if (key) ctx.depsToSave = { cacheDir, key };
  return command;
}
