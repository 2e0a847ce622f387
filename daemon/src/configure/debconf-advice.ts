// What to do after `half configure --debconf apply` refused the answers, for postinst to print.
// The advice must be one that works: while /etc/half/half.conf sets a question's key, the config
// script's `suggest` puts the file's value back into debconf on every run (the file is the master
// copy), so debconf-set-selections cannot change it and the file is what to edit; and under
// dpkg-reconfigure the package stays installed, so `dpkg --configure -a` would do nothing. Pure.
import { TEMPLATE_PREFIX, type Question } from './answers.js';
import type { AnswerProblem } from './check-answers.js';
import { answersFromConf } from './half-conf-edit.js';

/** The half.conf key each question writes (half-conf-edit.ts). */
const CONF_KEYS: Readonly<Partial<Record<Question, string>>> = {
  role: '[node] role (or priority)',
  'node-id': '[node] id',
  'sync-interface': '[sync] interface',
  'sync-address': '[sync] address',
  'sync-peers': '[sync] peers',
  'router-id': '[vrrp] router-id',
  vips: '[vips]',
};

export interface AdviceContext {
  /** The existing half.conf, if any. */
  readonly confText: string | undefined;
  /** Its path as the admin knows it (/etc/half/half.conf). */
  readonly confPath: string;
  /** Run from dpkg-reconfigure (DEBCONF_RECONFIGURE=1): the package is installed, not half-configured. */
  readonly reconfigure: boolean;
}

/** The question a problem names, unless half.conf sets that question's key (then: the key). */
function fileKey(problem: AnswerProblem, fromFile: ReturnType<typeof answersFromConf>): string | undefined {
  return problem.question !== undefined && fromFile[problem.question] !== undefined ? CONF_KEYS[problem.question] : undefined;
}

/** One line per problem, naming the question or the half.conf key to change. */
export function problemLines(problems: readonly AnswerProblem[], context: AdviceContext): string[] {
  const fromFile = context.confText === undefined ? {} : answersFromConf(context.confText);
  return problems.map((p) => {
    const key = fileKey(p, fromFile);
    const where = p.question === undefined ? 'half.conf' : key !== undefined ? `${context.confPath} ${key}` : `${TEMPLATE_PREFIX}${p.question}`;
    return `${where}: ${p.message}`;
  });
}

/** The `fix:` lines: edit half.conf where it owns the value, answer the questions otherwise. */
export function fixAdvice(problems: readonly AnswerProblem[], context: AdviceContext): string[] {
  const fromFile = context.confText === undefined ? {} : answersFromConf(context.confText);
  const then = context.reconfigure ? 'run `dpkg-reconfigure half-syncd` (or `half configure --apply`)' : 'run `dpkg --configure -a`';
  const keys = [...new Set(problems.flatMap((p) => fileKey(p, fromFile) ?? []))];
  const asked = [...new Set(problems.flatMap((p) => (p.question === undefined || fileKey(p, fromFile) !== undefined ? [] : [`${TEMPLATE_PREFIX}${p.question}`])))];
  const advice: string[] = [];
  if (problems.some((p) => p.question === undefined)) advice.push(`fix: edit ${context.confPath} where named (no debconf question owns those lines), then ${then}`);
  if (keys.length > 0) advice.push(`fix: edit ${keys.join(', ')} in ${context.confPath} (its values are the answers' defaults on every run, so debconf-set-selections cannot change them), then ${then}`);
  if (asked.length > 0) {
    advice.push(context.reconfigure
      ? `fix: run \`dpkg-reconfigure half-syncd\` on a terminal to be asked ${asked.join(', ')} again, or set them with debconf-set-selections first`
      : `fix: run \`dpkg --configure -a\` on a terminal to be asked ${asked.join(', ')} again, or set them with debconf-set-selections first`);
  }
  return advice;
}
