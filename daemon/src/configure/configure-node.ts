// `half configure` proper: half.conf (validated whole, with its cluster key) → renderNode → the
// files keepalived, nftables, iptables and systemd-sysctl read, written through the no-clobber
// plan (write-plan.ts) and the staged, registry-tracked writes (apply-writes.ts). Everything is
// rendered before anything is written: an invalid half.conf or key changes nothing.
import { HalfConfError } from '../config/config-error.js';
import { loadClusterKey } from '../config/cluster-key.js';
import type { HalfConfig } from '../config/half-conf.js';
import { decodeHalfConf } from '../config/load-config.js';
import { renderNode } from '../config/render-node.js';
import { validateHalfConf } from '../config/validate.js';
import { readBytesIfExists, readIfExists } from './atomic-file.js';
import { applyWritePlan, readRegistry } from './apply-writes.js';
import { keyFilePath, NODE_FILES, renderedTargets, type NodePaths } from './node-paths.js';
import type { Registry } from './generated-registry.js';
import { besidePath, planWrites, type FileOutcome, type WritePlan } from './write-plan.js';

export interface ConfigureReport {
  readonly config: HalfConfig;
  readonly outcomes: readonly FileOutcome[];
  /** Files left alone, and where HALF's version went instead. */
  readonly messages: readonly string[];
  /** Paths (below the root) whose content changed: the main file, or its `.half` sibling. */
  readonly changed: readonly string[];
}

/**
 * half.conf's text, or undefined when there is none. Strict UTF-8 (decodeHalfConf): read
 * leniently, a Latin-1 key-file path became another path, where `half join` and postinst made a
 * new key. Throws a HalfConfError naming the line.
 */
export async function readHalfConfText(paths: NodePaths): Promise<string | undefined> {
  const bytes = await readBytesIfExists(paths.halfConf);
  return bytes === undefined ? undefined : decodeHalfConf(bytes, paths.halfConfOnNode);
}

/** Reads and validates half.conf and its key file; throws HalfConfError listing every problem. */
export async function loadNodeConfig(paths: NodePaths): Promise<HalfConfig> {
  const text = await readHalfConfText(paths);
  if (text === undefined) {
    throw new HalfConfError([
      { file: paths.halfConfOnNode, message: 'does not exist: this node is not configured yet', fix: 'run `dpkg-reconfigure half-syncd`, or `half join …` with the line printed on the first node, or write it as half.conf(5) describes' },
    ]);
  }
  const config = validateHalfConf(text, paths.halfConfOnNode);
  await loadClusterKey(keyFilePath(config, paths));
  return config;
}

/**
 * What configuring a node with `config` would write, as a plan against the files there now and
 * `registry`; nothing is written. applyAnswers folds it into the plan that also writes half.conf
 * and the key, so that a failure to stage any file leaves every file as it was.
 */
export async function planNodeWrites(config: HalfConfig, paths: NodePaths, registry: Registry): Promise<WritePlan> {
  const targets = renderedTargets(renderNode(config), paths);
  const current = new Map<string, string | undefined>();
  for (const target of targets) {
    for (const path of [target.path, besidePath(target.path)]) current.set(path, await readIfExists(path));
  }
  return planWrites(targets, current, registry);
}

/** The report of a configure that applied `plan`. */
export function configureReport(config: HalfConfig, plan: WritePlan): ConfigureReport {
  const changed = plan.actions.filter((a) => a.kind === 'write').map((a) => a.path);
  return { config, outcomes: plan.outcomes, messages: plan.messages, changed };
}

/** A check of the keepalived.conf a plan writes, against the machine, before anything is written; throws to refuse. */
export type ConfigGate = (keepalivedConf: string) => Promise<void>;

/** Runs `gate` on the keepalived.conf the plan writes, if it writes the file itself (not HALF's version beside an admin's). */
export async function passGate(plan: WritePlan, paths: NodePaths, gate: ConfigGate | undefined): Promise<void> {
  const target = paths.at(NODE_FILES.keepalivedConf);
  const write = plan.actions.find((a) => a.kind === 'write' && a.path === target);
  if (gate !== undefined && write?.kind === 'write') await gate(write.content);
}

export async function configureNode(paths: NodePaths, gate?: ConfigGate): Promise<ConfigureReport> {
  const config = await loadNodeConfig(paths);
  const registry = await readRegistry(paths);
  const plan = await planNodeWrites(config, paths, registry);
  await passGate(plan, paths, gate);
  await applyWritePlan(plan, registry, paths);
  return configureReport(config, plan);
}
