import { realpath, stat } from "node:fs/promises";
import path from "node:path";
import { type BuildContext, StageFailure } from "@/lib/build/build-context";
import { assertNoLeakedSecrets } from "@/lib/build/stages/scan-for-secrets";
import { buildManifest, type ManifestEntry, manifestDigest, ManifestError } from "@/lib/bundles/build-manifest";

// The manifest of the output directory: every file's path, size, sha256 and
// content type, checked for sensitive values in browser-served files. The bundle is named by the digest of its manifest, so an
// identical build maps to the same bundle row.
export async function makeBundle(ctx: BuildContext): Promise<{ outputDir: string; entries: ManifestEntry[]; digest: string }> {
  // A server's bundle is its root (the whole built app, node_modules included, unless
  // detection or outputDirectory names a directory), but its git metadata.
  const server = ctx.settings!.runtime === "server";
  const relative = server ? ctx.settings!.server!.root : ctx.settings!.outputDirectory;
  const outputDir = await resolveOutputDir(ctx.appDir, relative);
  let entries: ManifestEntry[];
  try {
    entries = await buildManifest(outputDir, server ? { skip: (rel) => rel === ".git" } : {});
  } catch (e) {
    if (e instanceof ManifestError) throw new StageFailure(e.message);
    throw e;
  }
  if (entries.length === 0) throw new StageFailure(`The output directory "${relative}" is empty.`);
  // Before the bundle exists anywhere: a build that would serve a secret is never stored.
  await assertNoLeakedSecrets(outputDir, entries, ctx.vars);
  const digest = manifestDigest(entries);
  const totalBytes = entries.reduce((sum, e) => sum + e.size, 0);
  const { db } = ctx.deps;
  const exists = await db.bundle.findUnique({ where: { digest }, select: { digest: true } });
  if (!exists) {
    await db.$transaction(async (tx) => {
      await tx.bundle.createMany({ data: [{ digest, fileCount: entries.length, totalBytes }], skipDuplicates: true });
      await tx.manifestEntry.createMany({
        data: entries.map((e) => ({ bundleDigest: digest, path: e.path, size: e.size, sha256: e.sha256, contentType: e.contentType })),
        skipDuplicates: true,
      });
    });
  }
  ctx.log.system(`Manifest: ${entries.length} files, ${totalBytes} bytes, bundle ${digest.slice(0, 12)}`);
  return { outputDir, entries, digest };
}

// The output directory must be inside the app (also after following links) and exist.
async function resolveOutputDir(appDir: string, relative: string) {
  const root = await realpath(appDir);
  const wanted = path.resolve(root, relative);
  if (wanted !== root && !wanted.startsWith(root + path.sep)) {
    throw new StageFailure(`The output directory "${relative}" is outside the app.`);
  }
  const real = await realpath(wanted).catch(() => null);
  if (!real) throw new StageFailure(`The output directory "${relative}" does not exist after the build. Check outputDirectory.`);
  if (real !== root && !real.startsWith(root + path.sep)) {
    throw new StageFailure(`The output directory "${relative}" links outside the app.`);
  }
  if (!(await stat(real)).isDirectory()) throw new StageFailure(`The output directory "${relative}" is not a directory.`);
  return real;
}
