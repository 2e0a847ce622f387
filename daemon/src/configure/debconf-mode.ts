// `half configure --debconf suggest|check|apply`: the three things half-syncd's config script
// and postinst ask of the TypeScript side, answers in on stdin (answers.ts format), plain lines
// out, so that the shell side only moves values between debconf and these commands:
//   suggest  stdout: `question=value` defaults to db_set: what an existing half.conf says (the
//            file is the master copy), else what the machine suggests; notes on stderr.
//   check    stdout: `question<TAB>message` per problem (`conf` when no question owns it);
//            exit 0 when the answers are usable, ExitCode.config otherwise.
//   apply    writes half.conf, the key and the rendered files; stdout: `changed PATH` lines
//            and `join-line` when a new key was made (stderr then says how to get the line for
//            the next node, not the line: it carries the key, and apt logs what package
//            scripts print); exit ExitCode.config with the reasons.
import { ExitCode } from '../../../repo-tool/src/model/errors.js';
import { formatProblem, HalfConfError } from '../config/config-error.js';
import { answer, formatAnswers, parseAnswers, type Answers } from './answers.js';
import { applyAnswers, keyFileOf, readKeyState } from './apply-answers.js';
import { readRegistry } from './apply-writes.js';
import type { AnswerProblem } from './check-answers.js';
import type { CommandDeps } from './cli-io.js';
import { readHalfConfText } from './configure-node.js';
import { fixAdvice, problemLines } from './debconf-advice.js';
import { answersFromConf } from './half-conf-edit.js';
import { JOIN_POINTER } from './join-line.js';
import type { MachineFacts } from './machine-facts.js';
import { machineWarnings } from './machine-warnings.js';
import { formatReport } from './messages.js';
import type { NodePaths } from './node-paths.js';
import { planHalfConf } from './plan-conf.js';
import { suggestAnswers } from './suggest-answers.js';
import { keepalivedGate } from './keepalived-check.js';
import { onRunningNode } from './runtime-steps.js';

export const DEBCONF_MODES = ['suggest', 'check', 'apply'] as const;
export type DebconfMode = (typeof DEBCONF_MODES)[number];

/** The defaults to db_set (pure): the file's values win over debconf's, the machine fills gaps. */
export function debconfDefaults(current: Answers, confText: string | undefined, facts: MachineFacts): { answers: Answers; notes: readonly string[] } {
  const fromFile = confText === undefined ? {} : answersFromConf(confText);
  const merged: Answers = { ...current, ...fromFile };
  const suggestion = suggestAnswers(facts, merged);
  const out: Answers = { ...fromFile, ...suggestion.answers };
  if (confText !== undefined) out.setup = 'true';
  return { answers: out, notes: suggestion.notes };
}

export function formatProblems(problems: readonly AnswerProblem[]): string {
  return problems.map((p) => `${p.question ?? 'conf'}\t${p.message.replace(/[\t\n]+/g, ' ')}\n`).join('');
}

export async function runDebconfMode(mode: DebconfMode, paths: NodePaths, deps: CommandDeps): Promise<number> {
  const { io } = deps;
  const { answers } = parseAnswers(await deps.io.readStdin());
  const facts = await deps.facts.read();
  let confText: string | undefined;
  try {
    confText = await readHalfConfText(paths);
  } catch (error) {
    // half.conf is not UTF-8: no question's answer fixes that, so `check` names it as a line of
    // half.conf (the config script's invalid-conf note); suggest and apply fail with it
    if (!(error instanceof HalfConfError) || mode !== 'check') throw error;
    io.out(formatProblems(error.problems.map((p) => ({ question: undefined, message: formatProblem(p) }))));
    return ExitCode.config;
  }
  if (mode === 'suggest') {
    const { answers: defaults, notes } = debconfDefaults(answers, confText, facts);
    io.out(formatAnswers(defaults));
    for (const note of notes) io.err(`half configure: ${note}\n`);
    return ExitCode.ok;
  }
  if (mode === 'check') {
    const { state } = await readKeyState(paths.at(keyFileOf(confText)), { registry: await readRegistry(paths), shownAs: keyFileOf(confText) });
    const plan = planHalfConf(answers, facts, state, confText, paths.halfConfOnNode);
    if (plan.ok) return ExitCode.ok;
    io.out(formatProblems(plan.problems));
    return ExitCode.config;
  }
  // on the running node keepalived must accept the keepalived.conf first: postinst reloads it
  const live = await onRunningNode(paths);
  const result = await applyAnswers(answers, { paths, facts, random: deps.random, ...(live ? { gate: keepalivedGate(paths) } : {}) });
  if (!result.ok) {
    io.err(`half configure: the debconf answers cannot configure this node, nothing was written:\n`);
    // dpkg-reconfigure refuses a package left half-configured, which a failed postinst leaves
    const context = { confText, confPath: paths.halfConfOnNode, reconfigure: deps.env['DEBCONF_RECONFIGURE'] === '1' };
    for (const line of [...problemLines(result.problems, context), ...fixAdvice(result.problems, context)]) io.err(`  ${line}\n`);
    io.out(formatProblems(result.problems));
    return ExitCode.config;
  }
  const warnings = paths.root === '/' ? machineWarnings(result.report.config, facts) : [];
  io.err(formatReport({ ...result.report, messages: [...result.report.messages, ...warnings] }));
  for (const path of result.report.changed) io.out(`changed ${path}\n`);
  if (result.keyGenerated && answer(answers, 'role') !== 'backup') {
    io.err(`\n${JOIN_POINTER}\n`);
    io.out('join-line\n');
  }
  return ExitCode.ok;
}
