// Answers (debconf, or `half join`) → /etc/half/half.conf and the cluster key → `half configure`.
// The answers are checked against the machine and the resulting half.conf is validated whole
// before anything is written; the key file, half.conf and the files rendered from it are then
// written as one plan (registered when HALF created them, so purge removes them).
import { stat } from 'node:fs/promises';
import { HalfConfError, ProblemList } from '../config/config-error.js';
import { loadClusterKey } from '../config/cluster-key.js';
import { DEFAULTS } from '../config/half-conf.js';
import { parseIni } from '../config/ini.js';
import { answer, type Answers } from './answers.js';
import { applyWritePlan, readRegistry } from './apply-writes.js';
import type { AnswerProblem, KeyState } from './check-answers.js';
import type { ClusterSetting } from './cluster-settings.js';
import { configureReport, passGate, planNodeWrites, readHalfConfText, type ConfigGate, type ConfigureReport } from './configure-node.js';
import { withOnly, type Registry } from './generated-registry.js';
import { decideKey, formatKeyFile } from './key-answer.js';
import type { MachineFacts } from './machine-facts.js';
import type { NodePaths } from './node-paths.js';
import { planHalfConf } from './plan-conf.js';
import type { WriteAction } from './write-plan.js';

export interface ApplyAnswersOptions {
  readonly paths: NodePaths;
  readonly facts: MachineFacts;
  /** 32 random bytes for a new cluster key. */
  readonly random: () => Uint8Array;
  /** Refuses (throws) a configuration the running machine cannot take, before anything is written. */
  readonly gate?: ConfigGate;
  /** Cluster-wide keys from the join line. */
  readonly settings?: readonly ClusterSetting[];
}

export type ApplyAnswersResult =
  | { readonly ok: false; readonly problems: readonly AnswerProblem[] }
  | { readonly ok: true; readonly report: ConfigureReport; readonly key: Uint8Array; readonly keyGenerated: boolean };

/** The key file an existing half.conf names (its [sync] key-file), else the default. */
export function keyFileOf(confText: string | undefined): string {
  if (confText === undefined) return DEFAULTS.keyFile;
  const sync = parseIni(confText, new ProblemList('half.conf')).find((s) => s.name === 'sync');
  return sync?.entries.find((e) => e.key === 'key-file')?.value || DEFAULTS.keyFile;
}

/**
 * The key file's state; `made`: HALF's registry, so a missing key file it lists was lost
 * (KeyState.lost), not yet made. Whether half.conf is there does not matter: `rm -rf /etc/half`
 * on a configured node takes both, and the key the other nodes hold is still this cluster's.
 */
export async function readKeyState(path: string, made?: { readonly registry: Registry; readonly shownAs: string }): Promise<{ state: KeyState; key: Uint8Array | undefined }> {
  const exists = await stat(path).then(() => true, (e: NodeJS.ErrnoException) => (e.code === 'ENOENT' ? false : true));
  if (!exists) return { state: { validKeyFile: false, ...(made?.registry.has(path) === true ? { lost: made.shownAs } : {}) }, key: undefined };
  try {
    return { state: { validKeyFile: true }, key: await loadClusterKey(path) };
  } catch (error) {
    if (!(error instanceof HalfConfError)) throw error;
    return { state: { validKeyFile: false, problem: error.problems.map((p) => `${p.file} ${p.message}`).join('; ') }, key: undefined };
  }
}

function register(registry: Registry, path: string, content: string, createdByHalf: boolean): Registry {
  return createdByHalf || registry.has(path) ? withOnly(registry, path, content) : registry;
}

export async function applyAnswers(answers: Answers, options: ApplyAnswersOptions): Promise<ApplyAnswersResult> {
  const { paths, facts } = options;
  const existing = await readHalfConfText(paths);
  const keyPath = paths.at(keyFileOf(existing));
  const previous = await readRegistry(paths);
  const { state, key: existingKey } = await readKeyState(keyPath, { registry: previous, shownAs: keyFileOf(existing) });
  const plan = planHalfConf(answers, facts, state, existing, paths.halfConfOnNode, options.settings);
  if (!plan.ok) return plan;
  // The plan's config may name another key file than the old text did.
  const planKeyPath = paths.at(plan.config.sync.keyFile);
  const planKey = planKeyPath === keyPath ? { state, key: existingKey } : await readKeyState(planKeyPath);
  const decision = decideKey(answer(answers, 'cluster-key'), planKey.key, options.random);

  let registry: Registry = previous;
  const actions: WriteAction[] = [];
  if (decision.kind === 'write') {
    const text = formatKeyFile(decision.key);
    actions.push({ kind: 'write', path: planKeyPath, content: text, mode: 0o600 });
    registry = register(registry, planKeyPath, text, !planKey.state.validKeyFile && planKey.state.problem === undefined);
  }
  if (plan.text !== existing) {
    actions.push({ kind: 'write', path: paths.halfConf, content: plan.text, mode: 0o644 });
    registry = register(registry, paths.halfConf, plan.text, existing === undefined);
  }
  // half.conf, the key and every rendered file go in one plan: staged together, so that a file
  // that cannot be written (say /etc/keepalived is not a folder) leaves all of them as they were
  const node = await planNodeWrites(plan.config, paths, registry);
  await passGate(node, paths, options.gate);
  const all = { ...node, actions: [...actions, ...node.actions] };
  await applyWritePlan(all, previous, paths);
  const report = configureReport(plan.config, all);
  const key = decision.kind === 'write' ? decision.key : (planKey.key as Uint8Array);
  return { ok: true, report, key, keyGenerated: decision.kind === 'write' && decision.generated };
}
