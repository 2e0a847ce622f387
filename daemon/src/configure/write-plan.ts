// Which rendered files to write, and where, without ever clobbering what an admin wrote (the
// rule of ucf(1) and of dpkg's conffile handling): a file that is missing, or still exactly what
// HALF last wrote, is (re)written; a file HALF never wrote (an admin's own keepalived.conf), or
// one edited since, is left alone and HALF's version goes beside it as `<path>.half`, with a
// message saying so. An edited file whose HALF version did not change is left alone silently.
// Pure: the current contents and the registry in, the actions and the next registry out.
import { isRegisteredContent, withOnly, without, type Registry } from './generated-registry.js';

export interface Target {
  readonly path: string;
  readonly content: string;
  readonly mode: number;
}

export type WriteAction =
  | { readonly kind: 'write'; readonly path: string; readonly content: string; readonly mode: number }
  /** A `.half` file HALF wrote earlier that the main file has now replaced. */
  | { readonly kind: 'remove'; readonly path: string };

export type Outcome = 'written' | 'unchanged' | 'kept-edited' | 'kept-foreign';

export interface FileOutcome {
  readonly path: string;
  readonly outcome: Outcome;
  /** Where HALF's version went instead, for the kept outcomes. */
  readonly beside?: string;
}

export interface WritePlan {
  readonly actions: readonly WriteAction[];
  readonly outcomes: readonly FileOutcome[];
  readonly messages: readonly string[];
  /** The registry once every action is done. */
  readonly registry: Registry;
}

import { BESIDE_SUFFIX } from '../config/node-files.js';

export { BESIDE_SUFFIX };

export function besidePath(path: string): string {
  return `${path}${BESIDE_SUFFIX}`;
}

/** `current` maps each target path, and each `<path>.half`, to its content (undefined: absent). */
export function planWrites(targets: readonly Target[], current: ReadonlyMap<string, string | undefined>, registry: Registry): WritePlan {
  const actions: WriteAction[] = [];
  const outcomes: FileOutcome[] = [];
  const messages: string[] = [];
  let next: Registry = registry;
  for (const target of targets) {
    const { path, content, mode } = target;
    const beside = besidePath(path);
    const now = current.get(path);
    const besideNow = current.get(beside);
    if (now === undefined || now === content || isRegisteredContent(registry, path, now)) {
      if (now !== content) actions.push({ kind: 'write', path, content, mode });
      outcomes.push({ path, outcome: now === content ? 'unchanged' : 'written' });
      next = withOnly(next, path, content);
      if (besideNow !== undefined && isRegisteredContent(registry, beside, besideNow)) {
        actions.push({ kind: 'remove', path: beside });
        next = without(next, beside);
      }
      continue;
    }
    const edited = registry.has(path);
    if (edited && isRegisteredContent(registry, path, content)) {
      outcomes.push({ path, outcome: 'kept-edited' });
      continue;
    }
    if (besideNow !== content) actions.push({ kind: 'write', path: beside, content, mode });
    next = withOnly(next, beside, content);
    outcomes.push({ path, outcome: edited ? 'kept-edited' : 'kept-foreign', beside });
    messages.push(
      edited
        ? `${path} was changed locally since HALF wrote it, so your changes were kept; HALF's new version is ${beside}: merge it into ${path}, or delete ${path} and run \`half configure\` again`
        : `${path} was not written by HALF, so it was left alone; HALF's version is ${beside}: merge it into yours, or move yours away and run \`half configure\` again`,
    );
  }
  return { actions, outcomes, messages, registry: next };
}
