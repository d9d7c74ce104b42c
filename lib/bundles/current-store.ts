import type { BlobStore } from "@/lib/bundles/store/blob-store";
import { storeFromEnv } from "@/lib/bundles/store/select-store";
import { loadConfig } from "@/lib/config/env";

const holder = globalThis as unknown as { slipwayStores?: Map<string, BlobStore> };

// The bundle store this process's configuration names (S3, or DATA_DIR/store),
// one instance per distinct configuration.
export function blobStore(env: NodeJS.ProcessEnv = process.env): BlobStore {
  const dataDir = loadConfig(env).dataDir;
  const key = JSON.stringify([dataDir, env.STORE_S3_BUCKET, env.STORE_S3_ENDPOINT, env.STORE_S3_PREFIX]);
  holder.slipwayStores ??= new Map();
  let store = holder.slipwayStores.get(key);
  if (!store) {
    store = storeFromEnv(env, dataDir);
    holder.slipwayStores.set(key, store);
  }
  return store;
}
