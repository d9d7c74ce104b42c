import { createInterface } from "node:readline/promises";
// Where the CLI writes, and whether it may use colour. Commands take an Io so
// tests can capture output; every line passes through `redact`, so a token can
// never reach the terminal, even inside a server's error message.
export type Env = Record<string, string | undefined>;

export type Io = {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Colour for lines written with `out` / `err`. */
  color: { out: boolean; err: boolean };
  env: Env;
  cwd: string;
  /** Calls handler on Ctrl-C (SIGINT); the returned function stops listening. */
  onInterrupt: (handler: () => void) => () => void;
  /** Adds a secret that must never be printed. */
  addSecret: (secret: string) => void;
  /** All of stdin, for `--token -`. */
  readStdin: () => Promise<string>;
  /** Whether a person is there to answer a question (stdin and stderr are terminals). */
  interactive: boolean;
  /** Asks a yes/no question on stderr and reads the answer from stdin; anything but y/yes is no. */
  confirm: (question: string) => Promise<boolean>;
};

const isYes = (answer: string) => /^\s*y(es)?\s*$/i.test(answer);

export function processIo(): Io {
  const secrets: string[] = [];
  const redact = (s: string) => secrets.reduce((text, secret) => text.split(secret).join("slw_…"), s);
  const wantsColor = (tty: boolean | undefined) => Boolean(tty) && !process.env.NO_COLOR;
  return {
    out: (line) => void process.stdout.write(redact(line) + "\n"),
    err: (line) => void process.stderr.write(redact(line) + "\n"),
    color: { out: wantsColor(process.stdout.isTTY), err: wantsColor(process.stdout.isTTY && process.stderr.isTTY) },
    env: process.env,
    cwd: process.cwd(),
    onInterrupt: (handler) => {
      process.once("SIGINT", handler);
      return () => void process.off("SIGINT", handler);
    },
    addSecret: (secret) => {
      if (secret && !secrets.includes(secret)) secrets.push(secret);
    },
    readStdin: async () => {
      if (process.stdin.isTTY) process.stderr.write("Paste the token, then press Enter and Ctrl-D: ");
      const chunks: Buffer[] = [];
      for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString("utf8");
    },
    interactive: Boolean(process.stdin.isTTY && process.stderr.isTTY),
    confirm: async (question) => {
      const rl = createInterface({ input: process.stdin, output: process.stderr });
      try {
        return isYes(await rl.question(`${question} [y/N] `));
      } finally {
        rl.close();
      }
    },
  };
}

// An Io that records what was written, for tests.
export function memoryIo(opts: { env?: Env; cwd?: string; stdin?: string; interactive?: boolean; answers?: string[] } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const secrets: string[] = [];
  const redact = (s: string) => secrets.reduce((text, secret) => text.split(secret).join("slw_…"), s);
  const interrupts = new Set<() => void>();
  const answers = [...(opts.answers ?? [])];
  const io: Io = {
    out: (line) => void stdout.push(redact(line)),
    err: (line) => void stderr.push(redact(line)),
    color: { out: false, err: false },
    env: opts.env ?? {},
    cwd: opts.cwd ?? process.cwd(),
    onInterrupt: (handler) => {
      interrupts.add(handler);
      return () => void interrupts.delete(handler);
    },
    addSecret: (secret) => {
      if (secret && !secrets.includes(secret)) secrets.push(secret);
    },
    readStdin: async () => opts.stdin ?? "",
    interactive: opts.interactive ?? false,
    confirm: async (question) => {
      stderr.push(`${question} [y/N] `);
      return isYes(answers.shift() ?? "");
    },
  };
  return { io, stdout, stderr, interrupt: () => [...interrupts].forEach((h) => h()) };
}
