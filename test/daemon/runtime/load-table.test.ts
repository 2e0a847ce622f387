// `half-syncd --load-table`, the unit's ExecStartPre= and ExecStopPost=, with the real nft in a
// namespace of the test's own: half.nft beside half.conf when there is one (half.conf not read),
// else half.conf's rendering with the fix named; a refused file or an invalid half.conf fails.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderNftRuleset } from '../../../daemon/src/config/nft-ruleset.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { checkNftFile, loadNftTableOnce, missingGuardSets } from '../../../daemon/src/runtime/load-table.js';
import { ConfigError, ToolError } from '../../../daemon/src/errors.js';
import { requireTool } from '../../helpers/tools.js';
import { MINIMAL } from '../config/fixtures/problems.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';

describe('half-syncd --load-table', () => {
  const lab = new NetnsLab('lt');
  let fw: string;
  let dir: string;
  let nft: string[];

  const tables = async (): Promise<string> => (await lab.exec(fw, 'nft', ['list', 'tables'], { check: true })).stdout;

  beforeAll(async () => {
    requireTool('nft');
    fw = await lab.namespace('fw');
    nft = ['ip', 'netns', 'exec', fw, 'nft'];
    dir = await mkdtemp(join(tmpdir(), 'h7lt-'));
  });
  afterAll(async () => {
    await lab.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('loads half.conf\'s rendering when half.nft is missing, and says how to write it', async () => {
    await writeFile(join(dir, 'half.conf'), MINIMAL);
    const said = await loadNftTableOnce(join(dir, 'half.conf'), nft);
    expect(said).toMatch(/loaded from the rendering of .*half\.conf: .*half\.nft is missing; run `half configure --apply`/);
    expect(await tables()).toContain('table inet half');
    const listed = (await lab.exec(fw, 'nft', ['list', 'set', 'inet', 'half', 'guard'], { check: true })).stdout;
    expect(listed).toContain('set guard');
  });

  it('reads half.conf with the daemon\'s folders: a resync-file in its --state-dir passes, /etc/passwd does not', async () => {
    const conf = join(dir, 'state.conf'); // no state.nft beside it
    const state = { writableDirs: [`${join(dir, 'state')}/`] };
    await writeFile(conf, `${MINIMAL}[vrrp]\nresync-file = ${join(dir, 'state', 'resync-pending')}\n`);
    expect(await loadNftTableOnce(conf, nft, state)).toMatch(/loaded from the rendering of/);
    await expect(loadNftTableOnce(conf, nft)).rejects.toThrow(/vrrp\.resync-file: .* is outside \/run\/half or \/var\/lib\/half/);
    await writeFile(conf, `${MINIMAL}[vrrp]\nresync-file = /etc/passwd\n`);
    await expect(loadNftTableOnce(conf, nft, state)).rejects.toThrow(/vrrp\.resync-file: \/etc\/passwd is outside/);
  });

  it('loads half.nft as it is when it is there, without reading half.conf', async () => {
    await lab.exec(fw, 'nft', ['flush', 'ruleset'], { check: true });
    const rendered = renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf'));
    await writeFile(join(dir, 'half.nft'), rendered.replace('table inet half {', 'table inet half {\n\tcomment "edited by the admin"'));
    await writeFile(join(dir, 'half.conf'), '[node]\nid = nonsense\n');
    expect(await loadNftTableOnce(join(dir, 'half.conf'), nft)).toBe(`table inet half loaded from ${join(dir, 'half.nft')}\n`);
    expect((await lab.exec(fw, 'nft', ['list', 'table', 'inet', 'half'], { check: true })).stdout).toContain('edited by the admin');
  });

  it('fails on a half.nft nft refuses, naming the file and the fix, and on an invalid half.conf without one: the guard comes off all the same', async () => {
    const guardOn = async (): Promise<void> => void (await lab.exec(fw, 'nft', ['add', 'element', 'inet', 'half', 'guard', '{ tcp }'], { check: true }));
    const guarded = async (): Promise<boolean> => (await lab.exec(fw, 'nft', ['list', 'set', 'inet', 'half', 'guard'], { check: true })).stdout.includes('elements = { tcp }');
    await guardOn();
    expect(await guarded()).toBe(true);
    await writeFile(join(dir, 'half.nft'), 'table inet half {\n\tchain broken {\n');
    const refused = loadNftTableOnce(join(dir, 'half.conf'), nft);
    await expect(refused).rejects.toBeInstanceOf(ToolError);
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining(`nft -f ${join(dir, 'half.nft')} failed`), hint: expect.stringContaining('half.nft.half') });
    expect(await guarded()).toBe(false);
    await rm(join(dir, 'half.nft'));
    await guardOn();
    await expect(loadNftTableOnce(join(dir, 'half.conf'), nft)).rejects.toBeInstanceOf(ConfigError);
    expect(await guarded()).toBe(false);
  });

  it('says why when nft cannot run at all, from the file and from the rendering', async () => {
    const ghost = [join(dir, 'no-such-nft')];
    await writeFile(join(dir, 'half.conf'), MINIMAL);
    await expect(loadNftTableOnce(join(dir, 'half.conf'), ghost)).rejects.toThrow(/refused table inet half: cannot run .*no-such-nft \(ENOENT: no such program\)/);
    await writeFile(join(dir, 'half.nft'), 'table inet half {\n}\n');
    await expect(loadNftTableOnce(join(dir, 'half.conf'), ghost)).rejects.toThrow(/half\.nft failed: cannot run .*no-such-nft \(ENOENT: no such program\)/);
    await rm(join(dir, 'half.nft'));
  });

  it('checks half.nft for the daemon\'s start with nft -c: nothing to check without it, a refused file is a configuration error naming it, and nothing is loaded', async () => {
    await lab.exec(fw, 'nft', ['flush', 'ruleset'], { check: true });
    await writeFile(join(dir, 'half.conf'), MINIMAL);
    await expect(checkNftFile(join(dir, 'half.conf'), nft)).resolves.toBeUndefined();
    await writeFile(join(dir, 'half.nft'), renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf')));
    await expect(checkNftFile(join(dir, 'half.conf'), nft)).resolves.toBeUndefined();
    expect(await tables()).not.toContain('table inet half');
    await writeFile(join(dir, 'half.nft'), 'table inet half {\n\tchain broken {\n');
    const refused = checkNftFile(join(dir, 'half.conf'), nft);
    await expect(refused).rejects.toBeInstanceOf(ConfigError);
    await expect(refused).rejects.toMatchObject({ message: expect.stringContaining(`${join(dir, 'half.nft')}: nft refuses it: `), hint: expect.stringContaining('then restart half-syncd') });
    await expect(checkNftFile(join(dir, 'half.conf'), [join(dir, 'no-such-nft')])).rejects.toThrow(/did not run: .*ENOENT/);
    await expect(checkNftFile(join(dir, 'half.conf'), [join(dir, 'no-such-nft')])).rejects.toBeInstanceOf(ToolError);
    // a set that does not exist is the file's fault too
    await writeFile(join(dir, 'half.nft'), 'table inet half {\n\tchain c {\n\t\ttype filter hook input priority 0\n\t\tip saddr @nosuchset accept\n\t}\n}\n');
    await expect(checkNftFile(join(dir, 'half.conf'), nft)).rejects.toBeInstanceOf(ConfigError);
    // what the machine lacks at boot (an interface, a flowtable's device) is tried again: 69, not 78
    for (const lacking of ['\tchain c {\n\t\ttype filter hook input priority 0\n\t\tiif "h7nosuch0" accept\n\t}\n', '\tflowtable ft {\n\t\thook ingress priority 0\n\t\tdevices = { h7nosuch1 }\n\t}\n']) {
      await writeFile(join(dir, 'half.nft'), `table inet half {\n${lacking}}\n`);
      const notReady = checkNftFile(join(dir, 'half.conf'), nft);
      await expect(notReady).rejects.toBeInstanceOf(ToolError);
      await expect(notReady).rejects.toMatchObject({ message: expect.stringContaining('refused it on this machine as it is now'), hint: expect.stringContaining('tries again') });
    }
    await rm(join(dir, 'half.nft'));
  });

  it('names the takeover guard\'s sets a half.nft does not declare (nft accepts such a file, every guard change then fails)', async () => {
    await writeFile(join(dir, 'half.conf'), MINIMAL);
    expect(await missingGuardSets(join(dir, 'half.conf')), 'no half.nft: the rendering has them').toEqual([]);
    const rendered = renderNftRuleset(validateHalfConf(MINIMAL, '/etc/half/half.conf'));
    await writeFile(join(dir, 'half.nft'), rendered);
    expect(await missingGuardSets(join(dir, 'half.conf'))).toEqual([]);
    const withoutHold = rendered.replace(/\n\s*set hold_new \{[^}]*\}/, '').replace(/\n[^\n]*@hold_new[^\n]*/g, '');
    expect(withoutHold).not.toContain('hold_new');
    await writeFile(join(dir, 'half.nft'), withoutHold);
    await expect(checkNftFile(join(dir, 'half.conf'), nft), 'nft itself accepts it').resolves.toBeUndefined();
    expect(await missingGuardSets(join(dir, 'half.conf'))).toEqual(['hold_new']);
    await rm(join(dir, 'half.nft'));
  });
});
