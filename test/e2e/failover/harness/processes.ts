// Small process utilities of the harness: polling for a condition, and stopping the processes a
// stack started, by pid (SIGTERM, then SIGKILL).
import type { NsChild } from '../../../helpers/netns.js';

export class HarnessTimeoutError extends Error {
  override readonly name = 'HarnessTimeoutError';
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

/** Polls `check` every `everyMs` until it is true; throws naming `what` after `timeoutMs`, or
 *  at once when `gaveUp()` says waiting is pointless (the process died). */
export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs: number, what: string, gaveUp: () => boolean = () => false, everyMs = 50): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return;
    if (gaveUp()) throw new HarnessTimeoutError(`gave up waiting for ${what}: the process exited`);
    if (Date.now() > deadline) throw new HarnessTimeoutError(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await sleep(everyMs);
  }
}

const running = (c: NsChild): boolean => c.exitCode === null && c.signalCode === null;

export async function stopProcesses(children: readonly NsChild[], graceMs = 3000): Promise<void> {
  await Promise.all(
    children.filter(running).map(async (child) => {
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      child.kill('SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const late = new Promise<'late'>((resolve) => (timer = setTimeout(() => resolve('late'), graceMs)));
      if ((await Promise.race([exited, late])) === 'late') {
        child.kill('SIGKILL');
        await exited;
      }
      clearTimeout(timer);
    }),
  );
}
