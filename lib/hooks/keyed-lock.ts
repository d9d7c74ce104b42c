const tails = new Map<string, Promise<unknown>>();

// Runs fn after every earlier call with the same key has settled (this process
// only), so a check-then-create under one key cannot interleave with another.
export async function withKeyLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const before = tails.get(key) ?? Promise.resolve();
  const run = before.catch(() => undefined).then(fn);
  const tail = run.catch(() => undefined);
  tails.set(key, tail);
  try {
    return await run;
  } finally {
    if (tails.get(key) === tail) tails.delete(key);
  }
}
