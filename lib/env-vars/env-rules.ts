// The rules for variable names and sizes, with no imports, so the console and
// the .env parser can apply them in the browser. lib/env-vars/env-input.ts
// re-exports them beside the request schemas.
export const MAX_KEY_LENGTH = 256;
export const MAX_VALUE_BYTES = 32 * 1024;
// Sum of key and value bytes over the variables one deployment receives.
export const MAX_TOTAL_BYTES = 64 * 1024;

export const ENVIRONMENTS = ["production", "preview", "development"] as const;
export type EnvironmentName = (typeof ENVIRONMENTS)[number];
export const ENVIRONMENT_LABELS: Record<EnvironmentName, string> = { production: "Production", preview: "Preview", development: "Development" };

// Keys the framework inlines into browser code at build time.
export const PUBLIC_PREFIXES = ["PUBLIC_", "VITE_", "NEXT_PUBLIC_"] as const;
export const isPublicKey = (key: string) => PUBLIC_PREFIXES.some((p) => key.startsWith(p));
// A public key is compiled into the browser's code by the build: no running process can change it.
export const MUTABLE_PUBLIC = (key: string) => `${key} is public: the build compiles it into the browser's code, so it cannot change without a new deployment (it cannot be mutable).`;

// Names the build sandbox and the function runtime set themselves; a project
// value would break the build or be silently replaced.
export const RESERVED_KEYS = [
  "PATH", "HOME", "USER", "LOGNAME", "SHELL", "PWD", "OLDPWD", "TMPDIR", "TMP", "TEMP", "HOSTNAME", "PORT", "NODE_OPTIONS", "NODE_PATH",
] as const;
export const RESERVED_PREFIXES = ["LD_", "SLIPWAY_"] as const;

const KEY_PATTERN = /^[A-Za-z_][A-Za-z0-9_]*$/;

// Why a key cannot be used, as a sentence naming it; null when it can.
export function keyProblem(key: string): string | null {
  if (key === "") return "A key is required.";
  if (key.length > MAX_KEY_LENGTH) return `${key.slice(0, 40)}… is too long: keys are at most ${MAX_KEY_LENGTH} characters.`;
  if (!KEY_PATTERN.test(key)) return `${key} is not a valid key: use letters, digits and "_", and do not start with a digit.`;
  if ((RESERVED_KEYS as readonly string[]).includes(key)) return `${key} is reserved: the platform sets it for every build and function.`;
  const prefix = RESERVED_PREFIXES.find((p) => key.startsWith(p));
  if (prefix) return `${key} is reserved: keys starting with ${prefix} are the platform's own.`;
  return null;
}

export const utf8Bytes = (text: string) => new TextEncoder().encode(text).length;

// 71800 → "70.2 KB", 65536 → "64 KB"; rounded up, so a size just over a limit never reads as the limit.
export function formatKb(bytes: number): string {
  const tenths = Math.ceil(bytes / 102.4);
  return `${tenths % 10 === 0 ? tenths / 10 : (tenths / 10).toFixed(1)} KB`;
}

// A NUL cannot be passed in a process's environment, and a lone UTF-16
// surrogate has no UTF-8 form (it would be saved as U+FFFD, not as typed).
export function valueProblem(value: string, key?: string): string | null {
  const what = `The value${key ? ` of ${key}` : ""}`;
  if (value.includes("\0")) return `${what} contains a NUL character (\\0), which no environment variable can hold.`;
  if (/[\ud800-\udfff]/u.test(value)) return `${what} is not valid Unicode: it contains half of a surrogate pair.`;
  const bytes = utf8Bytes(value);
  if (bytes <= MAX_VALUE_BYTES) return null;
  return `${what} is ${formatKb(bytes)}; values are at most ${formatKb(MAX_VALUE_BYTES)}.`;
}

export const totalProblem = (what: string, bytes: number) =>
  `The variables of ${what} total ${formatKb(bytes)}; the limit is ${formatKb(MAX_TOTAL_BYTES)}.`;

export const resolvedBytes = (vars: { key: string; value: string }[]) => vars.reduce((sum, v) => sum + utf8Bytes(v.key) + utf8Bytes(v.value), 0);

// A variable as the API shows it to the console and the CLI. A sensitive value
// is never sent (null): it can be replaced, not read back. `problem` is set when
// a stored value cannot be decrypted, so the editor can ask for a new one.
export type EnvVarView = {
  id: string;
  key: string;
  value: string | null;
  sensitive: boolean;
  /** Seed 003's mutable value: a change restarts running server deployments' instances with it, no rebuild. */
  mutable: boolean;
  public: boolean;
  targets: EnvironmentName[];
  branch: string | null;
  updatedAt: string;
  updatedBy: { name: string; email: string } | null;
  problem?: string;
};
