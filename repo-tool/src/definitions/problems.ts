// What validation reports: every problem names the package, the field and the fix, and all
// of them are thrown together in one DefinitionError (changesets' "collect, then report").
import { DefinitionError } from '../model/errors.js';

export interface DefinitionProblem {
  /** Where the definition comes from, e.g. `pkgs/half.ts` (empty when built in code). */
  readonly source: string;
  readonly package: string;
  /** The field as written in the definition, e.g. `relationships.depends[2]`. */
  readonly field: string;
  readonly problem: string;
  readonly fix: string;
}

export function describeProblem(p: DefinitionProblem): string {
  const where = p.source === '' ? '' : `${p.source}: `;
  return `${where}package "${p.package}", ${p.field}: ${p.problem} (fix: ${p.fix})`;
}

/** All problems of one load or build, listed one per line in the message. */
export class InvalidDefinitionError extends DefinitionError {
  constructor(readonly problems: readonly DefinitionProblem[]) {
    const count = problems.length === 1 ? '1 problem' : `${problems.length} problems`;
    super(`invalid package definitions (${count}):\n${problems.map((p) => `  - ${describeProblem(p)}`).join('\n')}`, {
      hint: 'fix each listed field in the named pkgs/ module',
    });
  }
}

/** Throws InvalidDefinitionError when there is any problem. */
export function throwIfProblems(problems: readonly DefinitionProblem[]): void {
  if (problems.length > 0) throw new InvalidDefinitionError(problems);
}

/** Collects problems for one package. */
export class ProblemList {
  readonly problems: DefinitionProblem[] = [];
  constructor(
    private readonly source: string,
    private readonly packageName: string,
  ) {}
  add(field: string, problem: string, fix: string): void {
    this.problems.push({ source: this.source, package: this.packageName, field, problem, fix });
  }
}
