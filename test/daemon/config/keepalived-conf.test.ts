// keepalived.conf rendering: golden bytes per fixture, the shape that makes all VIPs move
// together, and the real `keepalived --config-test` on every rendering (inside a namespace that
// has the interfaces the config names).
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actsOnNotifyScript, notifySource, renderKeepalivedConf } from '../../../daemon/src/config/keepalived-conf.js';
import { requireTool } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { FIXTURES, fixtureConfig, fixtureInterfaces } from './fixtures/configs.js';
import { expectGolden } from './fixtures/golden.js';

describe('renderKeepalivedConf', () => {
  it.each(FIXTURES)('renders %s byte for byte', (name) => {
    expectGolden(`${name}.keepalived.conf`, renderKeepalivedConf(fixtureConfig(name)));
  });

  it('puts one instance per VIP interface in one sync group, the group driving failover', () => {
    const config = fixtureConfig('two-lan-wan');
    const text = renderKeepalivedConf(config);
    expect(text).toMatch(/vrrp_sync_group HALF \{\n {4}group \{\n {8}half_lan0\n {8}half_wan0\n {4}\}/);
    expect(text).toContain('virtual_ipaddress_excluded {\n        2001:db8:1::fe/64 dev lan0');
    expect(text).toMatch(/vrrp_notify_fifo \/run\/half\/keepalived\.fifo/);
    expect(text).toMatch(/script_user root\n {4}enable_script_security/);
    expect(notifySource(config)).toEqual({ type: 'GROUP', name: 'HALF' });
  });

  it('puts every VIP in one sync-link instance with unicast peers and tracked VIP interfaces', () => {
    const config = fixtureConfig('sync-link-unicast');
    const text = renderKeepalivedConf(config);
    expect(text).not.toContain('vrrp_sync_group');
    expect(text).not.toContain('vrrp_notify_fifo');
    expect(text).toMatch(/unicast_src_ip 203\.0\.113\.2\n {4}check_unicast_src\n {4}unicast_peer \{\n {8}203\.0\.113\.1\n {8}203\.0\.113\.3\n {4}\}/);
    expect(text).toMatch(/track_interface \{\n {8}lan0\n {8}wan0\n {4}\}/);
    expect(text).toContain('nopreempt');
    expect(text).toContain('advert_int 0.25');
    expect(text).toContain('notify /usr/local/sbin/half-notify');
    expect(notifySource(config)).toEqual({ type: 'INSTANCE', name: 'half' });
  });

  it('acts on notify-script calls only when the script is the sole path', () => {
    expect(FIXTURES.map((name) => [fixtureConfig(name).vrrp.notify, actsOnNotifyScript(fixtureConfig(name))])).toEqual([
      ['both', false],
      ['script', true],
      ['fifo', false],
    ]);
  });
});

describe('keepalived --config-test', () => {
  const lab = new NetnsLab('c');
  let ns: string;
  let dir: string;

  beforeAll(async () => {
    requireTool('keepalived');
    dir = await mkdtemp(join(tmpdir(), 'half-kconf-'));
    ns = await lab.namespace('n');
    const names = new Set(FIXTURES.flatMap((name) => fixtureInterfaces(fixtureConfig(name))));
    for (const [i, ifname] of [...names].entries()) {
      await lab.ip(ns, ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', `peer${i}`]);
      await lab.ip(ns, ['link', 'set', ifname, 'up']);
    }
  });

  afterAll(async () => {
    await lab.cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  it.each(FIXTURES)('accepts %s without a warning', async (name) => {
    const path = join(dir, `${name}.conf`);
    await writeFile(path, renderKeepalivedConf(fixtureConfig(name)));
    const result = await lab.exec(ns, 'keepalived', ['--config-test', '-f', path]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('rejects a rendering with a broken value (the oracle can fail)', async () => {
    const path = join(dir, 'broken.conf');
    await writeFile(path, renderKeepalivedConf(fixtureConfig('two-lan-wan')).replace('advert_int 1', 'advert_int x'));
    const result = await lab.exec(ns, 'keepalived', ['--config-test', '-f', path]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/invalid number 'x'/);
  });
});
