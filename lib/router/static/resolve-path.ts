// Turns a request's raw URL pathname into a manifest-relative POSIX path.
// Percent-encoding is decoded exactly once, so "%252e%252e" stays the literal
// name "%2e%2e" and can never become "..". Anything that could name a file
// outside the bundle is refused rather than normalised away.

export const MAX_PATH_LENGTH = 2048;

export type ResolvedPath = { ok: true; path: string } | { ok: false; status: 400 | 404 | 414 };

// C0 controls and DEL: the manifest refuses such names, so they never match.
const CONTROL = /[\u0000-\u001f\u007f]/;

// Nothing to decode or normalise: no "%", "\\", control bytes, "//" or a
// segment starting with "." (which covers "." and "..").
const PLAIN = /^(?=\/)(?:\/[^/%\\\u0000-\u001f\u007f.][^/%\\\u0000-\u001f\u007f]*)*\/?$/;

export function resolveRequestPath(rawPathname: string): ResolvedPath {
  if (typeof rawPathname !== "string") return { ok: false, status: 400 };
  if (rawPathname.length > MAX_PATH_LENGTH) return { ok: false, status: 414 };
  if (PLAIN.test(rawPathname)) {
    const end = rawPathname.endsWith("/") ? rawPathname.length - 1 : rawPathname.length;
    return { ok: true, path: rawPathname.slice(1, Math.max(1, end)) };
  }
  if (!rawPathname.startsWith("/")) return { ok: false, status: 400 };
  // A raw backslash or control character is refused before decoding too.
  if (rawPathname.includes("\\") || CONTROL.test(rawPathname)) return { ok: false, status: 400 };

  let decoded: string;
  try {
    decoded = decodeURIComponent(rawPathname);
  } catch {
    return { ok: false, status: 400 };
  }
  if (decoded.includes("\\") || CONTROL.test(decoded)) return { ok: false, status: 400 };

  const segments: string[] = [];
  for (const segment of decoded.split("/")) {
    if (segment === "" || segment === ".") continue;
    if (segment === "..") return { ok: false, status: 400 };
    segments.push(segment);
  }
  return { ok: true, path: segments.join("/") };
}
