import ts from "typescript";

// A static check of how code starts processes: no call may reach a shell with
// text that is not a constant of the source. Flagged:
// - exec / execSync (always run through a shell);
// - any child_process call whose options say `shell:` anything but false, or
//   whose options are not an object literal we can read (a spread or a
//   variable could carry `shell: true`);
// - spawn / execFile / … of sh or bash with "-c" whose script is not a string
//   literal — except in the files allowed to run a user's own command (the build
//   sandbox's launcher, which runs the app's build command in its jail).
export type ShellFinding = { file: string; line: number; message: string };

const SHELLS = new Set(["sh", "/bin/sh", "bash", "/bin/bash", "/usr/bin/sh", "/usr/bin/bash", "dash", "/bin/dash"]);
const ALWAYS_SHELL = new Set(["exec", "execSync"]);
const PROCESS_CALLS = new Set(["spawn", "spawnSync", "execFile", "execFileSync", "fork", "exec", "execSync"]);
// The argument index of each call's options object.
const OPTIONS_AT: Record<string, number> = { spawn: 2, spawnSync: 2, execFile: 2, execFileSync: 2, fork: 2, exec: 1, execSync: 1 };

export function findShellCalls(file: string, source: string, opts: { userCommandAllowed?: boolean } = {}): ShellFinding[] {
  const sf = ts.createSourceFile(file, source, ts.ScriptTarget.Latest, true, file.endsWith("x") ? ts.ScriptKind.TSX : ts.ScriptKind.TS);
  const local = new Map<string, string>(); // local name → child_process export
  const namespaces = new Set<string>();
  for (const stmt of sf.statements) {
    if (!ts.isImportDeclaration(stmt) || !ts.isStringLiteral(stmt.moduleSpecifier)) continue;
    if (!/^(node:)?child_process$/.test(stmt.moduleSpecifier.text)) continue;
    const bindings = stmt.importClause?.namedBindings;
    if (stmt.importClause?.name) namespaces.add(stmt.importClause.name.text);
    if (bindings && ts.isNamespaceImport(bindings)) namespaces.add(bindings.name.text);
    if (bindings && ts.isNamedImports(bindings)) {
      for (const el of bindings.elements) local.set(el.name.text, (el.propertyName ?? el.name).text);
    }
  }
  const findings: ShellFinding[] = [];
  const report = (node: ts.Node, message: string) =>
    findings.push({ file, line: sf.getLineAndCharacterOfPosition(node.getStart()).line + 1, message });

  const visit = (node: ts.Node) => {
    if (ts.isCallExpression(node)) {
      const name = calledName(node.expression, local, namespaces);
      if (name && PROCESS_CALLS.has(name)) check(node, name);
    }
    ts.forEachChild(node, visit);
  };

  const check = (call: ts.CallExpression, name: string) => {
    if (ALWAYS_SHELL.has(name)) return report(call, `${name}() runs its command through a shell; use execFile or spawn with an argument list`);
    const options = call.arguments[OPTIONS_AT[name]] ?? (name === "fork" ? undefined : optionsInSecondPlace(call));
    if (options) checkOptions(options, name);
    const [command, args] = call.arguments;
    if (command && ts.isStringLiteralLike(command) && SHELLS.has(command.text) && args && ts.isArrayLiteralExpression(args)) {
      const c = args.elements.findIndex((e) => ts.isStringLiteralLike(e) && e.text === "-c");
      const script = c >= 0 ? args.elements[c + 1] : undefined;
      if (script && !ts.isStringLiteralLike(script) && !opts.userCommandAllowed) {
        report(call, `${name}("${command.text}", ["-c", …]) with a script that is not a constant`);
      }
    } else if (command && !ts.isStringLiteralLike(command) && !isKnownBinary(command)) {
      // A variable command is fine (an argument list, no shell) unless it could be a shell given "-c" or is named like one.
      const text = command.getText(sf);
      const dashC = args && ts.isArrayLiteralExpression(args) && args.elements.some((e) => ts.isStringLiteralLike(e) && e.text === "-c");
      if (dashC || /shell|bash/i.test(text)) report(call, `${name}(${text}, …) may start a shell`);
    }
  };

  const checkOptions = (options: ts.Expression, name: string) => {
    if (!ts.isObjectLiteralExpression(options)) {
      if (ts.isIdentifier(options) && options.text === "undefined") return;
      return report(options, `${name}() options are not an object literal, so "shell" cannot be checked`);
    }
    for (const p of options.properties) {
      if (ts.isSpreadAssignment(p)) {
        // `...(cond ? { uid } : {})` is readable: check both objects.
        const literals = spreadLiterals(p.expression);
        if (!literals) return report(p, `${name}() options spread another object, so "shell" cannot be checked`);
        literals.forEach((l) => checkOptions(l, name));
        continue;
      }
      const key = p.name && (ts.isIdentifier(p.name) || ts.isStringLiteral(p.name)) ? p.name.text : null;
      if (key === "shell" && !(ts.isPropertyAssignment(p) && p.initializer.kind === ts.SyntaxKind.FalseKeyword)) {
        report(p, `${name}() with shell enabled`);
      }
    }
  };

  visit(sf);
  return findings;
}

function spreadLiterals(expr: ts.Expression): ts.ObjectLiteralExpression[] | null {
  if (ts.isParenthesizedExpression(expr)) return spreadLiterals(expr.expression);
  if (ts.isObjectLiteralExpression(expr)) return [expr];
  if (ts.isConditionalExpression(expr)) {
    const a = spreadLiterals(expr.whenTrue);
    const b = spreadLiterals(expr.whenFalse);
    return a && b ? [...a, ...b] : null;
  }
  return null;
}

// spawn(cmd, options) without an argument list.
function optionsInSecondPlace(call: ts.CallExpression) {
  const second = call.arguments[1];
  return second && ts.isObjectLiteralExpression(second) ? second : undefined;
}

function calledName(expr: ts.Expression, local: Map<string, string>, namespaces: Set<string>): string | null {
  if (ts.isIdentifier(expr)) return local.get(expr.text) ?? null;
  if (ts.isPropertyAccessExpression(expr) && ts.isIdentifier(expr.expression) && namespaces.has(expr.expression.text)) return expr.name.text;
  return null;
}

// process.execPath and the like: this Node binary, never a shell.
// process.execPath, or toolPath("<a constant name that is not a shell>") (lib/sandbox/sandbox-mode.ts: that tool's path).
function isKnownBinary(expr: ts.Expression) {
  if (ts.isPropertyAccessExpression(expr)) return expr.getText() === "process.execPath";
  if (!ts.isCallExpression(expr) || !ts.isIdentifier(expr.expression) || expr.expression.text !== "toolPath") return false;
  const [name] = expr.arguments;
  return expr.arguments.length === 1 && ts.isStringLiteralLike(name) && !SHELLS.has(name.text);
}
