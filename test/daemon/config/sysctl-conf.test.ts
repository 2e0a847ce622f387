// The sysctl.d snippet: golden bytes, a reason above every setting, and the real `sysctl -p`
// applying it inside a namespace with the values read back: every key that is per network
// namespace; the host-wide one (net.core.rmem_max, "-" prefixed) cannot be set there, and must
// not stop the rest from loading (setting it on this host would change the host).
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
    const settings = lines.map((l, i) => [l, i] as const).filter(([l]) => /^-?[a-z]/.test(l));
    expect(settings.map(([l]) => l.split(' = ')[0])).toEqual([
      'net.ipv4.ip_forward', 'net.ipv6.conf.all.forwarding', 'net.netfilter.nf_conntrack_events', '-net.core.rmem_max', 'net.netfilter.nf_conntrack_tcp_be_liberal',
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

  it('applies every per-namespace setting, and a host-wide one it cannot set does not stop it', async () => {
    const config = fixtureConfig('two-lan-wan');
    const path = join(dir, '60-half.conf');
    await writeFile(path, renderSysctlConf(config));
    const applied = await lab.exec(ns, 'sysctl', ['-p', path]);
    expect(applied.exitCode, applied.stderr).toBe(0);
    const hostWide = sysctlSettings(config).filter((s) => s.hostWide === true);
    expect(hostWide.map((s) => s.key)).toEqual(['net.core.rmem_max']);
    // whatever sysctl says about those, it says about nothing else
    expect(applied.stderr.split('\n').filter((l) => l !== '' && !hostWide.some((s) => l.includes(s.key)))).toEqual([]);
    for (const setting of sysctlSettings(config).filter((s) => s.hostWide !== true)) {
      const read = await lab.exec(ns, 'sysctl', ['-n', setting.key], { check: true });
      expect(read.stdout.trim(), setting.key).toBe(setting.value);
    }
  });
});
