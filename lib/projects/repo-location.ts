import path from "node:path";

// Where a git source may live. A remote is https://, ssh:// or scp-like
// git@host:path, with no leading "-" on the URL, its user, host or scp path (git
// or ssh would read it as an option), nor a leading "%2d" (a "-" once
// percent-decoded) on a URL's user or host. A path or file:// URL on this
// server is a repository too, but only where the operator allows it (ALLOW_LOCAL_GIT).
const REMOTE = [
  /^(https?|ssh):\/\/((?!%2[dD])[^\s/@-][^\s/@]*@)?(?!%2[dD])[^\s/@-][^\s/@]*\/\S+$/,
  /^[A-Za-z0-9._][A-Za-z0-9._-]*@[A-Za-z0-9.][A-Za-z0-9.-]*:[^\s-][^\s]*$/,
];

export type RepoLocation = { kind: "remote" | "local"; location: string };

export const REPO_LOCATION_HINT = "Use an https://, ssh:// or git@host:path repository URL.";
export const LOCAL_REPO_REFUSED =
  "Repositories on this server's disk (paths and file:// URLs) are not allowed here; set ALLOW_LOCAL_GIT=true to allow them.";

export function parseRepoLocation(raw: string): RepoLocation | null {
  const value = raw.trim();
  if (value.length === 0 || value.length > 500) return null;
  if (REMOTE.some((re) => re.test(value))) return { kind: "remote", location: value };
  const local = value.startsWith("file:///") ? value.slice("file://".length) : value;
  if (path.isAbsolute(local) && !local.split("/").includes("..") && !/[\0-\x1f]/.test(local)) {
    return { kind: "local", location: local };
  }
  return null;
}

export const allowLocalGit = (env: NodeJS.ProcessEnv = process.env) => env.ALLOW_LOCAL_GIT === "true";
