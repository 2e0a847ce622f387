// The real keepalived's judgement of a keepalived.conf before `half configure` writes it on the
// running node: `keepalived --config-test` on the rendering, in a private temporary folder. A
// reload into a file keepalived refuses (an interface this machine lacks, say) makes keepalived
// exit for good while the VIPs it holds stay configured, and the peer takes over: two nodes with
// one address. Refused, the rendering is never written. Skipped when keepalived is not installed.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { HalfConfError } from '../config/config-error.js';
import { ToolError } from '../errors.js';
import type { ConfigGate } from './configure-node.js';
import { NODE_FILES, type NodePaths } from './node-paths.js';

export interface RunResult {
  readonly exitCode: number | null;
  readonly stderr: string;
}

/** Runs a program; rejects only when it cannot be started (ENOENT). */
export type Run = (file: string, args: readonly string[]) => Promise<RunResult>;

const runLocal: Run = (file, args) =>
  new Promise((resolve, reject) => {
    execFile(file, [...args], { timeout: 30_000 }, (error, _stdout, stderr) => {
      if (error !== null && typeof error.code === 'string') reject(error);
      else resolve({ exitCode: error === null ? 0 : typeof error.code === 'number' ? error.code : null, stderr });
    });
  });

export type KeepalivedVerdict = { readonly state: 'accepted' } | { readonly state: 'absent' } | { readonly state: 'refused'; readonly lines: readonly string[] };

/** `shownAs`: the path keepalived's messages name instead of the temporary file. */
export async function keepalivedVerdict(text: string, shownAs: string, run: Run = runLocal): Promise<KeepalivedVerdict> {
  const dir = await mkdtemp(join(tmpdir(), 'half-keepalived-'));
  try {
    const file = join(dir, 'keepalived.conf');
    await writeFile(file, text, { mode: 0o600 });
    let result: RunResult;
    try {
      result = await run('keepalived', ['--config-test', '--use-file', file]);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { state: 'absent' };
      throw error;
    }
    if (result.exitCode === 0) return { state: 'accepted' };
    if (result.exitCode === null) {
      throw new ToolError('keepalived --config-test did not finish (30 s), so the keepalived.conf HALF would write is unchecked: nothing was written', { hint: 'run `keepalived --config-test` by hand to see why it hangs, then run the command again' });
    }
    const lines = result.stderr.split('\n').map((line) => line.split(file).join(shownAs).trim()).filter((line) => line !== '');
    return { state: 'refused', lines: lines.length > 0 ? lines : [`keepalived --config-test exited ${result.exitCode}`] };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** Throws HalfConfError, naming half.conf, when keepalived refuses `keepalivedConf` (rendered from it). */
export async function requireKeepalivedAccepts(keepalivedConf: string, halfConfFile: string, run?: Run): Promise<void> {
  const verdict = await keepalivedVerdict(keepalivedConf, NODE_FILES.keepalivedConf, run);
  if (verdict.state !== 'refused') return;
  throw new HalfConfError(verdict.lines.map((line) => ({
    file: halfConfFile,
    message: `keepalived --config-test refuses the keepalived.conf rendered from it: ${line}`,
    fix: /\binterface\b/i.test(line)
      ? 'every interface [vips] and [sync] name must exist on this machine (ip -br link); correct half.conf, then run the command again'
      : 'correct in half.conf what keepalived names (its [vips] and [vrrp] keys are rendered into keepalived.conf), then run the command again',
  })));
}

/** The gate for configuring the running node at `paths` (not for another root or a chroot: there the machine is not the node). */
export function keepalivedGate(paths: NodePaths): ConfigGate {
  return (keepalivedConf) => requireKeepalivedAccepts(keepalivedConf, paths.halfConfOnNode);
}
