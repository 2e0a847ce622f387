// `half-syncd --load-table`: loads HALF's nftables table once and exits, for the unit's
// ExecStartPre= and ExecStopPost= (with the takeover guard off, as the file and the rendering
// have it). From the file beside half.conf (/etc/half/half.nft, the admin's edits included) when
// there is one, read as it is, half.conf not needed: after a crash the guard must come off even
// while half.conf is being edited. Without the file (half.conf written by hand, `half configure`
// never run) from half.conf's rendering, as the running daemon does (nft-table-keeper.ts), with
// a word on how to write the file: `nft -f` of a missing file failed every start, two seconds
// apart, without naming the fix. The unit ignores this command's failure at start
// (`ExecStartPre=-`): the daemon then refuses a half.nft nft refuses, or an invalid half.conf,
// with exit status 78, the one status that stops the restarts (RestartPreventExitStatus= looks
// at the main process alone: a failed ExecStartPre= would be restarted every two seconds).
import { access, readFile } from 'node:fs/promises';
import { loadHalfConf } from '../config/load-config.js';
import type { ValidateOptions } from '../config/validate.js';
import { GUARD_SETS, NFT_TABLE } from '../config/nft-ruleset.js';
import { ConfigError, ToolError } from '../errors.js';
import { runTool } from '../tools/run-tool.js';
import { nftFileBeside, NftTable } from './nft-table-keeper.js';

/**
 * Loads the table; returns what to print. Throws ToolError (nft refused) or ConfigError (no file,
 * half.conf invalid); before it throws, it takes the takeover guard off in the table loaded
 * (nothing else is needed for that): after a crash, a guard left on would hold every new
 * forwarded connection once keepalived promotes the node.
 */
export async function loadNftTableOnce(configPath: string, nftCommand: readonly string[] = ['nft'], validate: ValidateOptions = {}): Promise<string> {
  try {
    return await load(configPath, nftCommand, validate);
  } catch (error) {
    await guardOff(nftCommand);
    throw error;
  }
}

/** Empties the guard's sets, if the table is there; never fails. */
async function guardOff(nftCommand: readonly string[]): Promise<void> {
  const [command, ...prefix] = nftCommand;
  for (const set of GUARD_SETS) {
    await runTool(command ?? 'nft', [...prefix, 'flush', 'set', 'inet', NFT_TABLE, set]);
  }
}

const CORRECT_HINT = (file: string): string =>
  `correct ${file} (half configure writes its own version beside it as half.nft.half when the file was edited), or remove it to load the table rendered from half.conf`;

/**
 * What nft says when the file is right but the machine is not ready for it (yet): the kernel
 * refused part of it (a module not loaded, a flowtable's device missing: "Could not process
 * rule"), or an `iif` names an interface not there at boot. A start refused for these is
 * retried (exit status 69); anything else nft places in the file (a syntax error, a set that
 * does not exist) is the file's fault, and no restart mends it.
 */
const NOT_READY = ['Could not process rule', 'Interface does not exist'];

/**
 * Checks half.nft beside half.conf, when there is one, with `nft -c` (nothing is loaded): the
 * daemon's start refuses a file nft would refuse for its own sake (ConfigError, exit status 78:
 * no restart) rather than run without its table or be restarted for ever. ToolError (69, a
 * restart) when nft cannot run at all, or refuses it for what the machine lacks (NOT_READY), or
 * says nothing of where in the file.
 */
export async function checkNftFile(configPath: string, nftCommand: readonly string[] = ['nft']): Promise<void> {
  const file = nftFileBeside(configPath);
  if (!(await access(file).then(() => true, () => false))) return;
  const [command, ...prefix] = nftCommand;
  const result = await runTool(command ?? 'nft', [...prefix, '-c', '-f', file]);
  if (result.code === 0) return;
  const stderr = result.stderr.trim();
  if (result.code === null || stderr === '') throw new ToolError(`nft -c -f ${file} did not run: ${result.error ?? 'no message'}`, { hint: 'half-syncd needs nft(8) (package nftables) in PATH' });
  const placed = stderr.includes(`${file}:`);
  if (!placed || NOT_READY.some((words) => stderr.includes(words))) {
    throw new ToolError(`nft -c -f ${file} refused it on this machine as it is now: ${stderr}`, { hint: 'half-syncd tries again in 2 s; if it keeps failing, load what the file names (a kernel module, an interface) or correct the file' });
  }
  throw new ConfigError(`${file}: nft refuses it: ${stderr}`, { hint: `${CORRECT_HINT(file)}; then restart half-syncd` });
}

/**
 * The takeover guard's sets that half.nft beside half.conf does not declare (none when there is
 * no such file: the rendering has them). nft accepts such a file, but every guard change then
 * fails, and a takeover commits unguarded (review: an edited half.nft after an upgrade).
 */
export async function missingGuardSets(configPath: string): Promise<string[]> {
  const text = await readFile(nftFileBeside(configPath), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  return GUARD_SETS.filter((set) => !new RegExp(`(^|\\s)set\\s+${set}\\s*\\{`, 'm').test(text));
}

/** The fix for a half.nft without the guard's sets. */
export function guardSetsHint(configPath: string): string {
  return CORRECT_HINT(nftFileBeside(configPath));
}

async function load(configPath: string, nftCommand: readonly string[], validate: ValidateOptions): Promise<string> {
  const file = nftFileBeside(configPath);
  const present = await access(file).then(() => true, () => false);
  if (present) {
    const [command, ...prefix] = nftCommand;
    const result = await runTool(command ?? 'nft', [...prefix, '-f', file]);
    if (result.code !== 0) {
      throw new ToolError(`nft -f ${file} failed: ${result.stderr.trim() || (result.error ?? '')}`, { hint: CORRECT_HINT(file) });
    }
    return `table inet ${NFT_TABLE} loaded from ${file}\n`;
  }
  const config = await loadHalfConf(configPath, validate);
  await new NftTable(config, nftCommand).load();
  return `table inet ${NFT_TABLE} loaded from the rendering of ${config.source}: ${file} is missing; run \`half configure --apply\` to write it (and keepalived's configuration)\n`;
}
