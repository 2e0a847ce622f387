// Problems found in half.conf (or the files it names). Validation collects every problem before
// anything is reported, so an admin fixes the file in one pass; nothing is started or written
// while any problem remains.
import { ConfigError } from '../errors.js';

export interface ConfigProblem {
  /** The file the problem is in (half.conf, or the cluster key file). */
  readonly file: string;
  /** 1-based line, when the problem sits on one line. */
  readonly line?: number;
  /** `section.key`, or `[section]` for a whole section, when one is concerned. */
  readonly key?: string;
  /** What is wrong, naming the value. */
  readonly message: string;
  /** What to write instead. */
  readonly fix: string;
}

/** Control characters as `\xNN`: text from a file or a FIFO may hold terminal escapes or NULs. */
export function visible(text: string): string {
  return text.replace(/[\u0000-\u001f\u007f-\u009f]/g, (c) => `\\x${c.charCodeAt(0).toString(16).padStart(2, '0')}`);
}

/** `file:line: key: message (fix: ...)` — one line per problem, control characters escaped. */
export function formatProblem(problem: ConfigProblem): string {
  const where = problem.line === undefined ? problem.file : `${problem.file}:${problem.line}`;
  const key = problem.key === undefined ? '' : ` ${visible(problem.key)}:`;
  return `${visible(where)}:${key} ${visible(problem.message)} (fix: ${visible(problem.fix)})`;
}

/** half.conf is invalid; `problems` lists every problem found, in file order. */
export class HalfConfError extends ConfigError {
  readonly problems: readonly ConfigProblem[];
  constructor(problems: readonly ConfigProblem[]) {
    const first = problems[0];
    const file = first === undefined ? 'half.conf' : first.file;
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`${file}: ${count}, nothing was applied:\n${problems.map((p) => `  ${formatProblem(p)}`).join('\n')}`, {
      hint: 'fix every line listed above, then run the command again (see half.conf(5))',
    });
    this.problems = problems;
  }
}

/** Collects problems while a document is checked. */
export class ProblemList {
  readonly items: ConfigProblem[] = [];
  constructor(readonly file: string) {}

  add(problem: Omit<ConfigProblem, 'file'>): void {
    this.items.push({ file: this.file, ...problem });
  }

  get empty(): boolean {
    return this.items.length === 0;
  }

  /** Throws HalfConfError with everything collected, sorted by line, if anything was. */
  throwIfAny(): void {
    if (this.items.length === 0) return;
    const sorted = [...this.items].sort((a, b) => (a.line ?? Number.MAX_SAFE_INTEGER) - (b.line ?? Number.MAX_SAFE_INTEGER));
    throw new HalfConfError(sorted);
  }
}
