// The gatherer on this machine, each fact compared with what another tool says: keepalived's
// pids with pgrep -x, the ruleset with nft itself, the clock with timedatectl, the config and
// the daemon with the files that exist; and the report's exit status with its own FAIL lines.
import { access } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { runHalf } from '../../../daemon/src/cli/half.js';
import { gatherFacts } from '../../../daemon/src/doctor/gather.js';
import { run } from '../../helpers/tools.js';
import { captureIo } from '../cli/fixtures.js';

const exists = (path: string) => access(path).then(() => true, () => false);
const pgrep = async () => new Set((await run('pgrep', ['-x', 'keepalived'])).stdout.split('\n').filter((l) => l !== '').map(Number));

describe('gatherFacts on this machine', () => {
  it('reads what the system tools read', async () => {
    const before = await pgrep();
    const facts = await gatherFacts();
    const after = await pgrep();

    for (const pid of facts.keepalived.pids) expect(before.has(pid) || after.has(pid), `pid ${pid}`).toBe(true);
    for (const pid of before) if (after.has(pid)) expect(facts.keepalived.pids).toContain(pid);

    const nft = await run('nft', ['-j', 'list', 'ruleset']);
    expect(facts.ruleset.state).toBe(nft.exitCode === 0 ? 'ok' : 'unavailable');
    if (facts.ruleset.state === 'ok') {
      const chains = (JSON.parse(nft.stdout) as { nftables: object[] }).nftables.filter((i) => 'chain' in i).length;
      expect(facts.ruleset.ruleset.chains.size).toBe(chains);
    }

    const timedatectl = await run('timedatectl', ['show', '--property=NTPSynchronized', '--value']).catch(() => undefined);
    if (timedatectl !== undefined && timedatectl.exitCode === 0 && /^(yes|no)$/.test(timedatectl.stdout.trim())) {
      expect(facts.clock).toMatchObject({ source: 'timedatectl', synchronized: timedatectl.stdout.trim() === 'yes' });
    } else {
      expect(facts.clock.source).toBe('none');
      if (facts.clock.source === 'none') expect(facts.clock.reason).toMatch(/no wall-clock timestamps/);
    }

    expect(facts.config.state === 'missing').toBe(!(await exists('/etc/half/half.conf')));
    if (!(await exists('/run/half/half.sock'))) expect(facts.daemon).toMatchObject({ state: 'down', socket: '/run/half/half.sock' });
    expect(facts.kernelRelease).toBe((await run('uname', ['-r'])).stdout.trim());
  });

  it('half doctor exits 6 exactly when a check failed', async () => {
    const io = captureIo();
    const code = await runHalf(['doctor', '--json'], io);
    const report = JSON.parse(io.stdout) as { failed: boolean; checks: { status: string }[] };
    expect(report.failed).toBe(report.checks.some((c) => c.status === 'fail'));
    expect(code).toBe(report.failed ? 6 : 0);
    const text = captureIo();
    await runHalf(['doctor'], text);
    expect(text.stdout.split('\n').filter((l) => /^(OK|WARN|FAIL|SKIP) /.test(l))).toHaveLength(report.checks.length);
  });
});
