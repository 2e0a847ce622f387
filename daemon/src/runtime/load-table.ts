// `half-syncd --load-table`: loads HALF's nftables table once and exits, for the unit's
// ExecStartPre= and ExecStopPost= (with the takeover guard off, as the file and the rendering
// have it). From the file beside half.conf (/etc/half/half.nft, the admin's edits included) when
// there is one, read as it is, half.conf not needed: after a crash the guard must come off even
// while half.conf is being edited. Without the file (half.conf written by hand, `half configure`
// never run) from half.conf's rendering, as the running daemon does (nft-table-keeper.ts), with
// a word on how to write the file: `nft -f` of a missing file failed every start, two seconds
// apart, without naming the fix.
import { access } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { execa } from 'execa';
import { loadHalfConf } from '../config/load-config.js';
import { NFT_TABLE } from '../config/nft-ruleset.js';
import { ToolError } from '../errors.js';
import { NftTable } from './nft-table-keeper.js';

/**
 * Loads the table; returns what to print. Throws ToolError (nft refused) or ConfigError (no file,
 * half.conf invalid); before it throws, it takes the takeover guard off in the table loaded
 * (nothing else is needed for that): after a crash, a guard left on would hold every new
 * forwarded connection once keepalived promotes the node.
 */
export async function loadNftTableOnce(configPath: string, nftCommand: readonly string[] = ['nft']): Promise<string> {
  try {
    return await load(configPath, nftCommand);
  } catch (error) {
    await guardOff(nftCommand);
    throw error;
  }
}

/** Empties the guard's sets, if the table is there; never fails. */
async function guardOff(nftCommand: readonly string[]): Promise<void> {
  const [command, ...prefix] = nftCommand;
  for (const set of ['guard', 'hold_new']) {
    await execa(command ?? 'nft', [...prefix, 'flush', 'set', 'inet', NFT_TABLE, set], { reject: false, stdin: 'ignore' }).catch(() => undefined);
  }
}

async function load(configPath: string, nftCommand: readonly string[]): Promise<string> {
  const file = join(dirname(configPath), 'half.nft');
  const present = await access(file).then(() => true, () => false);
  if (present) {
    const [command, ...prefix] = nftCommand;
    const result = await execa(command ?? 'nft', [...prefix, '-f', file], { reject: false, stdin: 'ignore' });
    if (result.exitCode !== 0) {
      throw new ToolError(`nft -f ${file} failed: ${String(result.stderr ?? '').trim()}`, { hint: `correct ${file} (half configure writes its own version beside it as half.nft.half when the file was edited), or remove it to load the table rendered from half.conf` });
    }
    return `table inet ${NFT_TABLE} loaded from ${file}\n`;
  }
  const config = await loadHalfConf(configPath);
  await new NftTable(config, nftCommand).load();
  return `table inet ${NFT_TABLE} loaded from the rendering of ${config.source}: ${file} is missing; run \`half configure --apply\` to write it (and keepalived's configuration)\n`;
}
