// The sysctl.d snippet: golden bytes, a reason above every setting, and the real `sysctl -p`
// applying it inside a namespace (these keys are per network namespace) with the values read
// back.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderSysctlConf, sysctlSettings } from '../../../daemon/src/config/sysctl-conf.js';
import { requireTool } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { FIXTURES, fixtureConfig } from './fixtures/configs.js';
import { expectGolden } from './fixtures/golden.js';

describe('renderSysctlConf', () => {
  it.each(FIXTURES)('renders %s byte for byte', (name) => {
    expectGolden(`${name}.sysctl.conf`, renderSysctlConf(fixtureConfig(name)));
  });

  it('puts a comment saying why above every setting', () => {
    const lines = renderSysctlConf(fixtureConfig('two-lan-wan')).split('\n');
    const settings = lines.map((l, i) => [l, i] as const).filter(([l]) => /^[a-z]/.test(l));
    expect(settings.map(([l]) => l.split(' = ')[0])).toEqual([
      'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.netfilter.nf_conntrack_events', 'net.netfilter.nf_conntrack_tcp_be_liberal',
    ]);
    for (const [, i] of settings) expect(lines[i - 1]).toMatch(/^# \S.{20,}/);
  });

  it('enables IPv6 forwarding only when there is an IPv6 VIP', () => {
    const keys = sysctlSettings(fixtureConfig('sync-link-unicast')).map((s) => s.key);
    expect(keys).toContain('net.ipv6.conf.all.forwarding');
    const v4only = { ...fixtureConfig('two-lan-wan'), vips: fixtureConfig('two-lan-wan').vips.map((v) => ({ ...v, vips: v.vips.filter((p) => p.address.family === 4) })) };
    expect(sysctlSettings(v4only).map((s) => s.key)).not.toContain('net.ipv6.conf.all.forwarding');
  });
});

describe('sysctl -p in a namespace', () => {
  const lab = new NetnsLab('s');
  let ns: string;
  let dir: string;

  beforeAll(async () => {
    requireTool('sysctl');
    dir = await mkdtemp(join(tmpdir(), 'half-sysctl-'));
    ns = await lab.namespace('n');
  });

  afterAll(async () => {
    await lab.cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  it('applies every setting', async () => {
    const config = fixtureConfig('two-lan-wan');
    const path = join(dir, '60-half.conf');
    await writeFile(path, renderSysctlConf(config));
    const applied = await lab.exec(ns, 'sysctl', ['-p', path]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    expect(applied.stderr).toBe('');
    for (const setting of sysctlSettings(config)) {
      const read = await lab.exec(ns, 'sysctl', ['-n', setting.key], { check: true });
      expect(read.stdout.trim(), setting.key).toBe(setting.value);
    }
  });
});
