import { keyProblem, valueProblem } from "@/lib/env-vars/env-rules";

// Pure and browser-safe: the console's bulk paste and `slipway env push` both use it.
export type DotenvEntry = { key: string; value: string; line: number };
export type DotenvError = { line: number; message: string };
export type DotenvResult = { entries: DotenvEntry[]; errors: DotenvError[] };

const ASSIGNMENT = /^\s*(?:export\s+)?([^=]*?)\s*=(.*)$/;
const DOUBLE_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t", '"': '"', "\\": "\\" };

// KEY=value lines, with an optional `export `, '#' comment lines and blank
// lines. Unquoted values end at a '#' that starts the value or follows a space
// (so "https://x/#top" and "pa#ss" stay whole). Single quotes keep their text
// as is; double quotes read \n \r \t \" \\. Either may span lines.
// Lines are counted from 1; CRLF and CR line ends are read like LF.
export function parseDotenv(text: string): DotenvResult {
  const lines = text.replace(/^\uFEFF/, "").split(/\r\n|\r|\n/);
  const entries: DotenvEntry[] = [];
  const errors: DotenvError[] = [];
  const seen = new Map<string, number>();
  const fail = (line: number, message: string) => errors.push({ line, message: `line ${line}: ${message}` });

  for (let i = 0; i < lines.length; i++) {
    const line = i + 1;
    if (/^\s*(#|$)/.test(lines[i])) continue;
    const match = ASSIGNMENT.exec(lines[i]);
    if (!match) {
      fail(line, "expected KEY=value.");
      continue;
    }
    const key = match[1];
    const rest = match[2].trimStart();
    let value: string;
    if (rest.startsWith('"') || rest.startsWith("'")) {
      const quoted = readQuoted(lines, i, rest);
      if (quoted.endLine === null) {
        // Everything after an unclosed quote belongs to that value: nothing more can be read.
        fail(line, `the ${rest[0]} that opens the value of ${key} is never closed.`);
        break;
      }
      i = quoted.endLine;
      if (quoted.trailing) {
        fail(i + 1, `unexpected text after the closing ${rest[0]} of ${key}'s value.`);
        continue;
      }
      value = quoted.value;
    } else {
      value = rest.replace(/(^|\s)#.*$/, "").trimEnd();
    }

    const problem = keyProblem(key) ?? valueProblem(value, key);
    if (problem) {
      fail(line, problem);
      continue;
    }
    const first = seen.get(key);
    if (first !== undefined) {
      fail(line, `${key} is already set on line ${first}.`);
      continue;
    }
    seen.set(key, line);
    entries.push({ key, value, line });
  }
  return { entries, errors };
}

// A quoted value starting on lines[start] (`rest` is that line from the opening
// quote on). endLine is the index of the line with the closing quote, null when
// it is never closed; trailing is set when more than a comment follows it.
function readQuoted(lines: string[], start: number, rest: string): { value: string; endLine: number | null; trailing?: boolean } {
  const quote = rest[0];
  let text = rest.slice(1);
  let lineIndex = start;
  let value = "";
  for (;;) {
    for (let p = 0; p < text.length; p++) {
      const ch = text[p];
      if (ch === quote) {
        const after = text.slice(p + 1);
        return { value, endLine: lineIndex, trailing: !/^\s*(#.*)?$/.test(after) };
      }
      if (quote === '"' && ch === "\\" && p + 1 < text.length) {
        const next = text[p + 1];
        value += DOUBLE_ESCAPES[next] ?? `\\${next}`;
        p++;
        continue;
      }
      value += ch;
    }
    lineIndex++;
    if (lineIndex >= lines.length) return { value, endLine: null };
    value += "\n";
    text = lines[lineIndex];
  }
}
