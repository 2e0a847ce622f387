// Starts a traffic process (flow-client-main.ts or flow-server-main.ts) inside a namespace and
// follows it: its events (stdout JSON lines), its latest "live" count, and its result file once
// SIGTERM made it write one (its stderr goes to the same name with .log). Signals go to the
// process by pid.
import { createWriteStream } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { NamespaceSet, NsChild } from '../../../../helpers/netns.js';
import type { TrafficEvent } from './results.js';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const REPO_ROOT = join(HERE, '../../../../..');
/** tsx's loader by absolute URL: the processes run with whatever cwd `ip netns exec` gives. */
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

export class TrafficProcessError extends Error {
  override readonly name = 'TrafficProcessError';
}

export interface TrafficProcess<R> {
  readonly ns: string;
  readonly pid: number;
  /** Latest {"event":"live"} report, if any. */
  readonly live: { at: number; live: number; total: number } | undefined;
  waitReady(timeoutMs: number): Promise<void>;
  signal(signal: NodeJS.Signals): void;
  /** Sends `signal` and waits for the event it answers with (`what`: for the timeout's message). */
  ask(signal: NodeJS.Signals, answer: TrafficEvent['event'], timeoutMs: number, what: string): Promise<void>;
  /** SIGTERM, then the parsed result file. */
  finish(timeoutMs: number): Promise<R>;
}

export function startTrafficProcess<R>(net: NamespaceSet, ns: string, script: 'flow-client-main.ts' | 'flow-server-main.ts', config: { resultFile: string }): TrafficProcess<R> {
  const child: NsChild = net.spawn(ns, [process.execPath, '--import', TSX, join(HERE, script), JSON.stringify(config)]);
  const pid = child.pid;
  if (pid === undefined) throw new TrafficProcessError(`could not start ${script} in ${ns}`);
  const listeners = new Set<(event: TrafficEvent) => void>();
  let live: TrafficProcess<R>['live'];
  let failure: string | undefined;
  const stderr: string[] = [];
  child.stderr?.on('data', (chunk: Buffer) => stderr.push(chunk.toString()));
  child.stderr?.pipe(createWriteStream(config.resultFile.replace(/\.json$/, '') + '.log'));
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => {
    let event: TrafficEvent;
    try {
      event = JSON.parse(line) as TrafficEvent;
    } catch {
      return;
    }
    if (event.event === 'live') live = { at: event.at, live: event.live, total: event.total };
    if (event.event === 'error') failure = event.message;
    for (const l of listeners) l(event);
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const why = (): string => failure ?? (stderr.join('').trim().split('\n').slice(-5).join('\n') || 'no output');

  const waitFor = (wanted: TrafficEvent['event'], timeoutMs: number, what: string): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => done(new TrafficProcessError(`${script} in ${ns}: no "${wanted}" within ${timeoutMs} ms (${what}): ${why()}`)), timeoutMs);
      const listener = (event: TrafficEvent): void => {
        if (event.event === wanted) done();
        else if (event.event === 'error') done(new TrafficProcessError(`${script} in ${ns}: ${event.message}`));
      };
      const onExit = (): void => done(new TrafficProcessError(`${script} in ${ns} exited before "${wanted}": ${why()}`));
      function done(err?: Error): void {
        clearTimeout(timer);
        listeners.delete(listener);
        child.off('exit', onExit);
        if (err === undefined) resolve();
        else reject(err);
      }
      listeners.add(listener);
      child.once('exit', onExit);
    });

  return {
    ns,
    pid,
    get live() {
      return live;
    },
    waitReady: (timeoutMs) => waitFor('ready', timeoutMs, 'starting'),
    signal(signal) {
      try {
        process.kill(pid, signal);
      } catch {
        // already gone
      }
    },
    async ask(signal, answer, timeoutMs, what) {
      const answered = waitFor(answer, timeoutMs, what);
      process.kill(pid, signal);
      await answered;
    },
    async finish(timeoutMs) {
      const done = waitFor('done', timeoutMs, 'writing results');
      process.kill(pid, 'SIGTERM');
      await done;
      await exited;
      return JSON.parse(await readFile(config.resultFile, 'utf8')) as R;
    },
  };
}
