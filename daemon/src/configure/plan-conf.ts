// From answers to the half.conf text that will be written: the answers are checked
// (check-answers.ts), written into the existing file in place (half-conf-edit.ts), and the
// result goes through the daemon's own validator (validateHalfConf), whose problems are mapped
// back to the question that owns the key. Nothing is written unless the whole file is valid.
// When the answers say nothing the existing file does not already say (a re-run postinst, an
// upgrade: the config script loaded them from the file), a valid file is kept byte for byte,
// whatever else it holds (a multicast group instead of peers, a second sync link, …).
import { HalfConfError, formatProblem, ProblemList } from '../config/config-error.js';
import { parseIni } from '../config/ini.js';
import type { HalfConfig } from '../config/half-conf.js';
import { validateHalfConf } from '../config/validate.js';
import { answer, CONF_QUESTIONS, type Answers, type Question } from './answers.js';
import { checkAnswers, keyProblems, type AnswerProblem, type KeyState } from './check-answers.js';
import type { ClusterSetting } from './cluster-settings.js';
import { answersFromConf, updateHalfConf } from './half-conf-edit.js';
import type { MachineFacts } from './machine-facts.js';

export type ConfPlan =
  | { readonly ok: true; readonly text: string; readonly config: HalfConfig }
  | { readonly ok: false; readonly problems: readonly AnswerProblem[] };

const KEY_QUESTIONS: Readonly<Record<string, Question>> = {
  'node.id': 'node-id',
  'node.role': 'role',
  'node.priority': 'role',
  'sync.interface': 'sync-interface',
  'sync.address': 'sync-address',
  'sync.peers': 'sync-peers',
  'vrrp.router-id': 'router-id',
};

/** The question that owns a half.conf key (`section.key` or `[section]`), if any. */
export function questionOfKey(key: string | undefined): Question | undefined {
  if (key === undefined) return undefined;
  if (key === '[vips]' || key.startsWith('vips.')) return 'vips';
  return KEY_QUESTIONS[key];
}

/** Whether every answer to a question the file sets equals what the file says. */
export function answersMatchConf(answers: Answers, existing: string): boolean {
  const fromFile = answersFromConf(existing);
  return CONF_QUESTIONS.every((q) => fromFile[q] === undefined || answer(answers, q) === fromFile[q]);
}

function validOrUndefined(text: string, path: string): HalfConfig | undefined {
  try {
    return validateHalfConf(text, path);
  } catch (error) {
    if (error instanceof HalfConfError) return undefined;
    throw error;
  }
}

/** `settings`: cluster-wide keys a join line carried, written beside the answers. */
export function planHalfConf(answers: Answers, facts: MachineFacts, keys: KeyState, existing: string | undefined, path: string, settings: readonly ClusterSetting[] = []): ConfPlan {
  if (existing !== undefined && settings.length === 0 && answersMatchConf(answers, existing)) {
    const config = validOrUndefined(existing, path);
    const keyless = keyProblems(answers, keys);
    if (config !== undefined && keyless.length > 0) return { ok: false, problems: keyless };
    if (config !== undefined) return { ok: true, text: existing, config };
  }
  const checked = checkAnswers(answers, facts, keys);
  if (!checked.ok) return checked;
  const overruled = roleOverruled(checked.values.role, existing);
  if (overruled !== undefined) return { ok: false, problems: [overruled] };
  const text = updateHalfConf(existing, { ...checked.values, settings });
  try {
    return { ok: true, text, config: validateHalfConf(text, path) };
  } catch (error) {
    if (!(error instanceof HalfConfError)) throw error;
    return {
      ok: false,
      problems: error.problems.map((p) => {
        const question = questionOfKey(p.key);
        return { question, message: question === undefined ? formatProblem(p) : `${p.message} (${p.fix})` };
      }),
    };
  }
}

/**
 * The file's [node] priority decides the role (updateHalfConf keeps the admin's choice), so an
 * answer for the other role would be dropped without a word: it is asked again, saying why.
 */
function roleOverruled(role: 'primary' | 'backup', existing: string | undefined): AnswerProblem | undefined {
  if (existing === undefined) return undefined;
  const priority = parseIni(existing, new ProblemList('half.conf')).find((s) => s.name === 'node')?.entries.find((e) => e.key === 'priority')?.value;
  if (priority === undefined) return undefined;
  const fileRole = answersFromConf(existing).role;
  if (fileRole === undefined || fileRole === role) return undefined;
  return {
    question: 'role',
    message: `half.conf sets [node] priority = ${priority}, which makes this node a ${fileRole}: answer ${fileRole}, or remove priority from half.conf to choose the role here`,
  };
}
