import path from "node:path";
import type { BlobStore } from "@/lib/bundles/store/blob-store";
import { createLocalStore } from "@/lib/bundles/store/local-store";
import { createS3Store } from "@/lib/bundles/store/s3-store";

// The blob store the environment asks for: S3 when STORE_S3_BUCKET is set,
// otherwise the local disk at `${dataDir}/store`. An empty variable counts as
// unset. A bad value throws an Error whose one-line message names the variable.
//
//   STORE_S3_BUCKET             bucket name (switches to S3)
//   STORE_S3_ENDPOINT           http(s) URL of an S3-compatible server (default: AWS)
//   STORE_S3_REGION             default us-east-1
//   STORE_S3_FORCE_PATH_STYLE   true | false (default false)
//   STORE_S3_ACCESS_KEY_ID      with STORE_S3_SECRET_ACCESS_KEY; both unset = the SDK's default chain
//   STORE_S3_SECRET_ACCESS_KEY
//   STORE_S3_PREFIX             prepended to keys, e.g. "slipway/"
export function storeFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
  dataDir: string,
): BlobStore {
  const get = (name: string) => {
    const v = env[name]?.trim();
    return v ? v : undefined;
  };
  const bad = (name: string, why: string, show = true) =>
    new Error(`Invalid configuration: ${name} ${why}${show ? ` (got "${get(name)}")` : ""}.`);

  const bucket = get("STORE_S3_BUCKET");
  if (!bucket) {
    if (!dataDir) throw new Error("storeFromEnv: dataDir is required for the local store.");
    return createLocalStore(path.join(dataDir, "store"));
  }
  if (!/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/.test(bucket)) {
    throw bad("STORE_S3_BUCKET", "must be an S3 bucket name: 3 to 63 lowercase letters, digits, dots or hyphens");
  }

  const endpoint = get("STORE_S3_ENDPOINT");
  if (endpoint !== undefined && !isHttpUrl(endpoint)) {
    throw bad("STORE_S3_ENDPOINT", "must be an http:// or https:// URL");
  }

  const region = get("STORE_S3_REGION") ?? "us-east-1";
  if (!/^[a-z0-9-]+$/.test(region)) throw bad("STORE_S3_REGION", "must be a region name such as us-east-1");

  const pathStyle = get("STORE_S3_FORCE_PATH_STYLE")?.toLowerCase();
  if (pathStyle !== undefined && pathStyle !== "true" && pathStyle !== "false") {
    throw bad("STORE_S3_FORCE_PATH_STYLE", "must be true or false");
  }

  const accessKeyId = get("STORE_S3_ACCESS_KEY_ID");
  const secretAccessKey = get("STORE_S3_SECRET_ACCESS_KEY");
  if (accessKeyId && !secretAccessKey) {
    throw bad("STORE_S3_SECRET_ACCESS_KEY", "must be set when STORE_S3_ACCESS_KEY_ID is", false);
  }
  if (secretAccessKey && !accessKeyId) {
    throw bad("STORE_S3_ACCESS_KEY_ID", "must be set when STORE_S3_SECRET_ACCESS_KEY is", false);
  }

  const prefix = get("STORE_S3_PREFIX");
  if (prefix !== undefined && !/^[A-Za-z0-9!_.*'()-]+(\/[A-Za-z0-9!_.*'()-]+)*\/?$/.test(prefix)) {
    throw bad(
      "STORE_S3_PREFIX",
      "must be a key prefix such as slipway/ (letters, digits, !_.*'()- and single slashes, not starting with /)",
    );
  }

  return createS3Store({
    bucket,
    endpoint,
    region,
    forcePathStyle: pathStyle === undefined ? undefined : pathStyle === "true",
    accessKeyId,
    secretAccessKey,
    prefix,
  });
}

function isHttpUrl(value: string) {
  try {
    const u = new URL(value);
    return u.protocol === "http:" || u.protocol === "https:";
  } catch {
    return false;
  }
}
