// One thing `half-repo verify` found wrong, named by the file it is about.

export interface Problem {
  /** Relative to the repository root. */
  readonly path: string;
  readonly message: string;
}

export function problem(path: string, message: string): Problem {
  return { path, message };
}

/** `path: message`, one per line, as the CLI prints them. */
export function formatProblems(problems: readonly Problem[]): string {
  return problems.map((p) => `${p.path}: ${p.message}`).join('\n');
}
