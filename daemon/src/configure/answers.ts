// The debconf answers of half-syncd (debian/half-syncd/templates) as the maintainer scripts hand
// them to `half configure --debconf …`: one `name=value` line per question, the name without
// the `half-syncd/` prefix. debconf values are single lines, so the format needs no quoting;
// a shell writes it with `printf '%s=%s\n'`. Pure: text in, answers out.

export const TEMPLATE_PREFIX = 'half-syncd/';

/** Every question half-syncd asks, in the order the config script asks them. */
export const QUESTIONS = ['setup', 'role', 'node-id', 'sync-interface', 'sync-address', 'sync-peers', 'vips', 'router-id', 'cluster-key'] as const;
export type Question = (typeof QUESTIONS)[number];

/** The questions whose answers end up in half.conf (setup and cluster-key do not). */
export const CONF_QUESTIONS = ['role', 'node-id', 'sync-interface', 'sync-address', 'sync-peers', 'vips', 'router-id'] as const satisfies readonly Question[];

export type Answers = Partial<Record<Question, string>>;

export function isQuestion(name: string): name is Question {
  return (QUESTIONS as readonly string[]).includes(name);
}

export interface ParsedAnswers {
  readonly answers: Answers;
  /** Lines that were not `question=value` for a known question (reported, never fatal). */
  readonly ignored: readonly string[];
}

/** Parses `name=value` lines; a `half-syncd/` prefix on the name is accepted. */
export function parseAnswers(text: string): ParsedAnswers {
  const answers: Answers = {};
  const ignored: string[] = [];
  for (const raw of text.split('\n')) {
    const line = raw.replace(/\r$/, '');
    if (line.trim() === '') continue;
    const eq = line.indexOf('=');
    const name = (eq < 0 ? line : line.slice(0, eq)).trim().replace(TEMPLATE_PREFIX, '');
    if (eq < 0 || !isQuestion(name)) {
      ignored.push(line.startsWith('cluster-key') ? 'cluster-key=…' : line.slice(0, 80));
      continue;
    }
    answers[name] = line.slice(eq + 1).trim();
  }
  return { answers, ignored };
}

/** The lines parseAnswers reads, questions in QUESTIONS order; undefined answers are left out. */
export function formatAnswers(answers: Answers): string {
  return QUESTIONS.filter((q) => answers[q] !== undefined)
    .map((q) => `${q}=${(answers[q] as string).replace(/[\r\n]+/g, ' ')}\n`)
    .join('');
}

/** An answer with surrounding blanks removed; '' when unanswered. */
export function answer(answers: Answers, question: Question): string {
  return (answers[question] ?? '').trim();
}

/** Whether the admin chose to configure the node (the `setup` boolean). */
export function wantsSetup(answers: Answers): boolean {
  return answer(answers, 'setup') === 'true';
}
