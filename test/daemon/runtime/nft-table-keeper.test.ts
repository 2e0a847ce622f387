// The keeper of HALF's nftables table over a faked nft: a table that is there is left alone; a
// table that is gone is loaded again and the guard restored (NftGuard.restore, which puts it back
// as the plans last set it, is tested with the real nft in test/daemon/ha/nft-guard.test.ts); checks
// asked for while one runs share it; a guard change that failed is made again at each check
// (NftGuard.settle, also tested with the real nft); a failure is counted and logged, never thrown. The real nft
// path (a table deleted under a running half-syncd, SIGHUP) is in integration/resilience.test.ts.
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../../daemon/src/metrics/logger.js';
import { ToolError } from '../../../daemon/src/errors.js';
import { NftTable, NftTableKeeper, type NftTableOps } from '../../../daemon/src/runtime/nft-table-keeper.js';
import { MINIMAL } from '../config/fixtures/problems.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';

function fakes(present: boolean, wanted: boolean | undefined, loadFails = false, unsettled = false, settleFails = false) {
  const calls: string[] = [];
  const lines: string[] = [];
  const table: NftTableOps & { present: boolean } = {
    present,
    async exists() {
      calls.push('exists');
      return this.present;
    },
    async load() {
      calls.push('load');
      if (loadFails) throw new Error('nft -f refused table inet half: no such device');
      this.present = true;
    },
  };
  // NftGuard.restore answers whether it turned the guard on (what the plans last wanted)
  const guard = {
    wanted,
    unsettled,
    async restore() {
      calls.push('restore');
      return this.wanted === true;
    },
    async settle() {
      calls.push('settle');
      if (!this.unsettled) return false;
      if (settleFails) throw new Error('nft could not set the takeover guard off again: Operation not permitted');
      this.unsettled = false;
      return true;
    },
  };
  const log = (level: string) => (message: string, fields?: object) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  const logger: Logger = { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
  return { calls, lines, table, keeper: new NftTableKeeper(table, guard, logger, 5) };
}

describe('NftTableKeeper', () => {
  it('leaves a table that is there alone', async () => {
    const f = fakes(true, true);
    await f.keeper.check('test');
    expect(f.calls).toEqual(['exists', 'settle']);
    expect(f.keeper.counters).toEqual({ checks: 1, reloads: 0, failures: 0, guardSettled: 0 });
    expect(f.lines).toEqual([]);
  });

  it('loads a table that is gone, then has the guard put back as the plans last set it, and says how', async () => {
    const on = fakes(false, true);
    await on.keeper.check('SIGHUP');
    expect(on.calls).toEqual(['exists', 'load', 'restore']);
    expect(on.lines).toEqual(['warn table inet half was gone (an nftables reload or flush?): loaded it again {"reason":"SIGHUP","guard":"on"}']);
    const off = fakes(false, false);
    await off.keeper.check('SIGHUP');
    expect(off.calls).toEqual(['exists', 'load', 'restore']); // the file loads with the guard off; restore leaves it so
    expect(off.lines[0]).toMatch(/"guard":"off"/);
  });

  it('runs one check at a time, and checks on its own every interval', async () => {
    const f = fakes(false, undefined);
    await Promise.all([f.keeper.check('a'), f.keeper.check('b')]);
    expect(f.calls).toEqual(['exists', 'load', 'restore']);
    f.table.present = false;
    f.keeper.start();
    await new Promise((resolve) => setTimeout(resolve, 50));
    f.keeper.stop();
    expect(f.keeper.counters.reloads).toBe(2);
  });

  it('counts and logs a failure, and never throws', async () => {
    const f = fakes(false, true, true);
    await expect(f.keeper.check('periodic')).resolves.toBeUndefined();
    expect(f.keeper.counters).toEqual({ checks: 1, reloads: 0, failures: 1, guardSettled: 0 });
    expect(f.lines[0]).toMatch(/^error cannot check or load table inet half .*no such device/);
  });

  it('makes a guard change that failed again, at each check until it holds', async () => {
    const failing = fakes(true, false, false, true, true);
    await failing.keeper.check('periodic');
    expect(failing.keeper.counters).toEqual({ checks: 1, reloads: 0, failures: 1, guardSettled: 0 });
    expect(failing.lines[0]).toMatch(/^error cannot set the takeover guard as the failover plans last asked; trying again.*Operation not permitted/);
    const f = fakes(true, false, false, true);
    await f.keeper.check('periodic');
    await f.keeper.check('periodic');
    expect(f.calls).toEqual(['exists', 'settle', 'exists', 'settle']);
    expect(f.keeper.counters).toEqual({ checks: 2, reloads: 0, failures: 0, guardSettled: 1 });
    expect(f.lines).toEqual(['warn takeover guard set as the failover plans last asked, after a change that failed {"reason":"periodic","guard":"off"}']);
  });

  it('logs the fix a failure carries', async () => {
    const f = fakes(true, false, false, true, true);
    f.table.exists = async () => {
      throw new ToolError('cannot tell whether table inet half is loaded: nft list table: cannot run nft', { hint: 'check that nft runs' });
    };
    await f.keeper.check('periodic');
    expect(f.lines[0]).toContain('"fix":"check that nft runs"');
  });
});

describe('NftTable.exists', () => {
  const config = validateHalfConf(MINIMAL, '/etc/half/half.conf');
  it('is false only when nft says the table is not there, and an error when nft cannot tell', async () => {
    const answering = (script: string) => new NftTable(config, ['sh', '-c', script, 'nft']);
    await expect(answering('exit 0').exists()).resolves.toBe(true);
    await expect(answering('echo "Error: No such file or directory; did you mean table half in family ip?" >&2; exit 1').exists()).resolves.toBe(false);
    // nft that cannot run, or fails otherwise, is no answer: taken for a missing table, the keeper loaded it again, guard off
    await expect(new NftTable(config, ['/nonexistent/nft']).exists()).rejects.toThrow(/cannot tell whether table inet half is loaded/);
    await expect(answering('echo "Error: Could not process rule: Operation not permitted" >&2; exit 1').exists()).rejects.toThrow(/Operation not permitted/);
  });
});
