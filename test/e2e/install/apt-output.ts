// Reads what `apt-get install|upgrade|remove|purge` printed and returns every line that is not
// apt's or dpkg's own progress report or an expected message. Pure.
//
// Each line is attributed to the package whose maintainer script printed it: dpkg announces
// every script run ("Setting up P (V) ...", "Removing P …", "Processing triggers for P …"),
// so a line that follows belongs to P until the next announcement.
//   - apt's and dpkg's own lines (outside any package) must be known progress lines;
//   - HALF's packages (and the keepalived backport) may print only the lines the test expects of
//     them (each with its reason in install-expectations.ts);
//   - Debian's own packages may print what they like, except something that reads as a warning
//     or an error;
//   - anywhere: apt's W:/E:/N:/Err: lines, dpkg warnings, debconf and perl complaints.
export interface OutputProblem {
  /** The package whose script printed the line, or `apt` for apt's and dpkg's own lines. */
  readonly source: string;
  readonly line: string;
}

export interface OutputExpectations {
  /** Packages held to `expected` (HALF's packages and the keepalived backport). */
  readonly ours: readonly string[];
  /** Lines a package of `ours` may print; `*` lines any package may print. */
  readonly expected: Readonly<Record<string, readonly RegExp[]>>;
}

const ALWAYS_WRONG = [/^(W|E|N|Err):/, /^dpkg: (warning|error)/, /^debconf: /, /^(perl: warning|Use of uninitialized)/, /^\S+: (warning|error): /i];
const WARNING_WORDS = /\b(warning|error|failed|fatal|cannot|unable|not found)\b/i;

/** A line announcing the package whose scripts run next (dpkg(1) progress lines). */
const ANNOUNCEMENTS: readonly RegExp[] = [
  /^Unpacking (\S+?)(?::\S+)? \(/,
  /^Setting up (\S+?)(?::\S+)? \(/,
  /^Removing (\S+?)(?::\S+)? \(/,
  /^Purging configuration files for (\S+?)(?::\S+)? \(/,
  /^Processing triggers for (\S+?)(?::\S+)? \(/,
  /^Preparing to unpack \S*?\/(?:\d+-)?([a-z0-9][a-z0-9+.-]+)_\S+\.deb \.\.\.$/,
];

/** apt's and dpkg's own lines. */
const PROGRESS: readonly RegExp[] = [
  /^Reading package lists\.\.\.( Done)?$/,
  /^Building dependency tree\.\.\.( Done)?$/,
  /^Reading state information\.\.\.( Done)?$/,
  /^Calculating upgrade\.\.\.( Done)?$/,
  /^Preconfiguring packages \.\.\.$/,
  /^\d+ upgraded, \d+ newly installed, (\d+ reinstalled, )?\d+ to remove and \d+ not upgraded\.$/,
  /^Need to get \S+( \S+)?(\/\S+ \S+)? of (source )?archives\.$/,
  /^After this operation, .* disk space will be (used|freed)\.$/,
  /^Get:\d+ /,
  /^Hit:\d+ /,
  /^Fetched \S+ \S+ in \S+ \(.*\)$/,
  /^Download complete and in download only mode$/,
  /^Selecting previously unselected package \S+\.$/,
  /^\(Reading database \.\.\./,
  /^Use 'apt autoremove' to remove (it|them)\.$/,
  /^\S+ set to manually installed\.$/,
  /^\S+ is already the newest version \(.*\)\.$/,
];

/** Headers of apt's package lists (the indented lines below them are names). */
const LIST_HEADERS: readonly RegExp[] = [
  /^The following (additional |NEW )?packages will be (installed|upgraded|REMOVED):$/,
  /^The following packages were automatically installed and are no longer required:$/,
  /^The following package was automatically installed and is no longer required:$/,
  /^(Suggested|Recommended) packages:$/,
];

export function aptOutputProblems(output: { readonly stdout: string; readonly stderr: string }, expectations: OutputExpectations): OutputProblem[] {
  const problems: OutputProblem[] = [];
  const anywhere = expectations.expected['*'] ?? [];
  let context = 'apt';
  let inList = false;
  for (const raw of `${output.stdout}\n${output.stderr}`.split(/\r?\n|\r/)) {
    const line = raw.trimEnd();
    if (line === '') continue;
    if (inList && line.startsWith('  ')) continue;
    inList = LIST_HEADERS.some((h) => h.test(line));
    if (inList) {
      context = 'apt';
      continue;
    }
    const announced = ANNOUNCEMENTS.map((a) => a.exec(line)).find((m) => m !== null);
    if (announced !== undefined && announced !== null) {
      context = announced[1] as string;
      continue;
    }
    if (PROGRESS.some((p) => p.test(line))) {
      context = 'apt';
      continue;
    }
    if (ALWAYS_WRONG.some((p) => p.test(line))) {
      problems.push({ source: context, line });
      continue;
    }
    if (anywhere.some((p) => p.test(line))) continue;
    if (context === 'apt') problems.push({ source: context, line });
    else if (expectations.ours.includes(context)) {
      if (!(expectations.expected[context] ?? []).some((p) => p.test(line))) problems.push({ source: context, line });
    } else if (WARNING_WORDS.test(line)) problems.push({ source: context, line });
  }
  return problems;
}

/** The problems as readable lines for an assertion message. */
export function formatProblems(problems: readonly OutputProblem[]): string {
  return problems.map((p) => `[${p.source}] ${p.line}`).join('\n');
}
