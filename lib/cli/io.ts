// Where the CLI writes, and whether it may use colour. Commands take an Io so
// tests can capture output; every line passes through `redact`, so a token can
// never reach the terminal, even inside a server's error message.
export type Io = {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Colour for lines written with `out` / `err`. */
  color: { out: boolean; err: boolean };
  env: NodeJS.ProcessEnv;
  cwd: string;
  /** Calls handler on Ctrl-C (SIGINT); the returned function stops listening. */
  onInterrupt: (handler: () => void) => () => void;
  /** Adds a secret that must never be printed. */
  addSecret: (secret: string) => void;
};

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
  };
}

// An Io that records what was written, for tests.
export function memoryIo(opts: { env?: NodeJS.ProcessEnv; cwd?: string } = {}) {
  const stdout: string[] = [];
  const stderr: string[] = [];
  const secrets: string[] = [];
  const redact = (s: string) => secrets.reduce((text, secret) => text.split(secret).join("slw_…"), s);
  const interrupts = new Set<() => void>();
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
  };
  return { io, stdout, stderr, interrupt: () => [...interrupts].forEach((h) => h()) };
}
