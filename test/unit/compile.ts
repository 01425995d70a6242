// Type-checks files that exist only in memory (README examples, a consumer of the declarations)
// beside the real ones, for tests that hold the public types to account.

import ts from 'typescript';

/** The compiler's complaints about `files` (path → text), one line each; empty when they compile. */
export function typeProblems(files: Map<string, string>, options: ts.CompilerOptions): string[] {
  const host = ts.createCompilerHost(options);
  const readFile = host.readFile;
  host.readFile = (name) => files.get(name) ?? readFile(name);
  const fileExists = host.fileExists;
  host.fileExists = (name) => files.has(name) || fileExists(name);
  const program = ts.createProgram([...files.keys()], options, host);
  return ts
    .getPreEmitDiagnostics(program)
    .map((d) => `${d.file?.fileName ?? ''}: ${ts.flattenDiagnosticMessageText(d.messageText, '\n')}`);
}
