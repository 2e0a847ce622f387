import { describe, expect, it } from 'vitest';
import { nodePaths } from '../../../daemon/src/configure/node-paths.js';
import { formatSteps, inChroot, planRuntimeSteps } from '../../../daemon/src/configure/runtime-steps.js';
import { run } from '../../helpers/tools.js';

describe('planRuntimeSteps', () => {
  const paths = nodePaths('/');

  it('asks for what the changed files need, in order: sysctls, half-syncd, keepalived', () => {
    const steps = planRuntimeSteps(['/etc/sysctl.d/60-half.conf', '/etc/keepalived/keepalived.conf', '/etc/half/half.nft'], paths, false);
    expect(steps.map((s) => s.command.join(' '))).toEqual([
      'sysctl -q --system',
      'systemctl restart half-syncd.service',
      'systemctl reload-or-restart keepalived.service',
    ]);
    expect(planRuntimeSteps([], paths, false)).toEqual([]);
    expect(formatSteps([])).toBe('');
    expect(formatSteps(steps)).toContain('  systemctl reload-or-restart keepalived.service    # keepalived rereads keepalived.conf on reload');
  });

  it('restarts half-syncd when half.conf changed, even if no rendered file did', () => {
    expect(planRuntimeSteps([], paths, true).map((s) => s.command.join(' '))).toEqual(['systemctl restart half-syncd.service']);
  });

  it('matches paths below a root', () => {
    const rooted = nodePaths('/srv/node1');
    expect(planRuntimeSteps(['/srv/node1/etc/sysctl.d/60-half.conf'], rooted, false)).toHaveLength(1);
    expect(planRuntimeSteps(['/etc/sysctl.d/60-half.conf'], rooted, false)).toHaveLength(0);
  });
});

describe('inChroot', () => {
  it('agrees with ischroot(1) on this machine', async () => {
    const ischroot = await run('ischroot');
    expect(await inChroot()).toBe(ischroot.exitCode === 0 || ischroot.exitCode === 2);
  });
});
