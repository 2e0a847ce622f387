// keepalived.conf rendering: golden bytes per fixture, the shape that makes all VIPs move
// together, the failback gate (a weighted track file on the sync group), and the real
// `keepalived --config-test` on every rendering (inside a namespace that has the interfaces the
// config names), with the machine's keepalived and the backport HALF ships (built first if no cache holds it).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { actsOnNotifyScript, notifySource, renderKeepalivedConf, RESYNC_TRACK_NAME, RESYNC_WEIGHT } from '../../../daemon/src/config/keepalived-conf.js';
import type { IpPrefix } from '../../../daemon/src/config/ip-address.js';
import { MAX_ADVERT_ADDRESSES, validateHalfConf } from '../../../daemon/src/config/validate.js';
import { requireTool } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { keepalivedBinaries, type KeepalivedBinaries } from '../integration/fixtures/keepalived-binaries.js';
import { FIXTURES, fixtureConfig, fixtureInterfaces, fixtureText } from './fixtures/configs.js';
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

  it('gates failback with the resync file: weighted on the sync group, never on its members', () => {
    const text = renderKeepalivedConf(fixtureConfig('two-lan-wan'));
    expect(text).toContain('track_file half_resync {\n    file /var/lib/half/resync-pending\n    weight -253\n    init_file 1 overwrite\n}');
    expect(text).toMatch(/vrrp_sync_group HALF \{\n {4}group \{\n {8}half_lan0\n {8}half_wan0\n {4}\}\n {4}track_file \{\n {8}half_resync\n {4}\}/);
    expect(text.match(/track_file \{/g)).toHaveLength(1);
    // 1 x weight takes the highest priority down to keepalived's floor of 1, without reaching -254 (FAULT)
    expect(254 + RESYNC_WEIGHT).toBe(1);
    expect(RESYNC_TRACK_NAME).toBe('half_resync');
  });

  it('gates the only instance itself when there is no group, with the file half.conf names', () => {
    const text = renderKeepalivedConf(fixtureConfig('sync-link-unicast'));
    expect(text).toContain('file /run/half/resync-pending');
    expect(text).toMatch(/vrrp_instance half \{[^]*track_file \{\n {8}half_resync\n {4}\}[^]*\n\}/);
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
  let binaries: KeepalivedBinaries;

  beforeAll(async () => {
    requireTool('keepalived');
    binaries = await keepalivedBinaries();
    dir = await mkdtemp(join(tmpdir(), 'half-kconf-'));
    ns = await lab.namespace('n');
    const names = new Set(FIXTURES.flatMap((name) => fixtureInterfaces(fixtureConfig(name))));
    for (const [i, ifname] of [...names].entries()) {
      await lab.ip(ns, ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', `peer${i}`]);
      await lab.ip(ns, ['link', 'set', ifname, 'up']);
    }
  }, 3_600_000); // the backport is built first when no cache holds it (minutes, once)

  afterAll(async () => {
    await lab.cleanup();
    await binaries?.cleanup();
    if (dir !== undefined) await rm(dir, { recursive: true, force: true });
  });

  /** The rendering with its resync file moved into the test's folder (which exists, or not). */
  const withResyncFolder = (text: string, folder: string): string => text.replace(/^( {4}file )\/\S+$/m, `$1${folder}/resync-pending`);

  it('accepts every rendering with each keepalived (the resync file\'s folder exists)', async () => {
    expect(binaries.all).toHaveLength(2); // the machine's and the backport HALF ships
    await mkdir(join(dir, 'state'), { recursive: true });
    for (const binary of binaries.all) {
      for (const name of FIXTURES) {
        const path = join(dir, `${name}-${binary.version}.conf`);
        await writeFile(path, withResyncFolder(renderKeepalivedConf(fixtureConfig(name)), join(dir, 'state')));
        const result = await lab.exec(ns, binary.path, ['--config-test', '-f', path]);
        expect(result.exitCode, `${binary.version} ${name}: ${result.stderr}`).toBe(0);
        expect(result.stdout + result.stderr, `${binary.version} ${name}`).toBe('');
      }
    }
  });

  it('is refused by keepalived 2.3 when the resync file\'s folder is missing (why it lives in /var/lib/half)', async () => {
    const backport = binaries.all.find((b) => !b.version.startsWith('2.2.'));
    expect(backport, 'the backport HALF ships').toBeDefined();
    const path = join(dir, 'missing-folder.conf');
    await writeFile(path, withResyncFolder(renderKeepalivedConf(fixtureConfig('two-lan-wan')), join(dir, 'no-such-folder')));
    const result = await lab.exec(ns, backport?.path ?? 'keepalived', ['--config-test', '-f', path]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/track file half_resync not found/);
  });

  it.each(FIXTURES)('accepts %s without a warning', async (name) => {
    const path = join(dir, `${name}.conf`);
    await writeFile(path, renderKeepalivedConf(fixtureConfig(name)));
    const result = await lab.exec(ns, 'keepalived', ['--config-test', '-f', path]);
    expect(result.exitCode, result.stderr).toBe(0);
    expect(result.stdout + result.stderr).toBe('');
  });

  it('agrees with the validator: one advert names 255 addresses, and a 256th fails keepalived\'s own check', async () => {
    // two-lan-wan with 255 IPv4 addresses on lan0 (the most half.conf allows there)
    const many = Array.from({ length: MAX_ADVERT_ADDRESSES }, (_, i) => (i < 254 ? `192.0.2.${i + 1}/24` : `198.51.100.${i - 253}/24`));
    const text = fixtureText('two-lan-wan').replace(/^lan0 = .*$/m, `lan0 = ${many.join(' ')} 2001:db8:1::fe/64`).replace(/^ignore = .*\n/m, '');
    const fits = validateHalfConf(text, '/etc/half/half.conf');
    expect(() => validateHalfConf(text.replace('2001:db8:1::fe/64', '203.0.113.200/24'), '/etc/half/half.conf')).toThrow(
      /vips\.lan0: names 256 IPv4 addresses, but one VRRP advert names at most 255 \(fix: keep at most 255 IPv4 addresses on lan0\)/,
    );
    // the 256th, past the validator: what keepalived makes of it
    const extra = fixtureConfig('two-lan-wan').vips[0]?.vips.find((v) => v.address.family === 4);
    expect(extra?.address.text).toBe('192.0.2.254');
    const over = { ...fits, vips: fits.vips.map((v) => (v.interface === 'lan0' ? { ...v, vips: [...v.vips, { ...(extra as IpPrefix), text: '203.0.113.200/24', address: { ...(extra as IpPrefix).address, text: '203.0.113.200' } }] } : v)) };
    await mkdir(join(dir, 'state'), { recursive: true });
    for (const binary of binaries.all) {
      for (const [name, config, ok] of [['fits', fits, true], ['over', over, false]] as const) {
        const path = join(dir, `advert-${name}-${binary.version}.conf`);
        await writeFile(path, withResyncFolder(renderKeepalivedConf(config), join(dir, 'state')));
        const result = await lab.exec(ns, binary.path, ['--config-test', '-f', path]);
        if (ok) expect(result.exitCode, `${binary.version}: ${result.stderr}`).toBe(0);
        else expect(result.stdout + result.stderr, binary.version).toMatch(/Number of VIPs \(256\) exceeds maximum.*max 255 addresses/);
      }
    }
  });

  it('rejects a rendering with a broken value (the oracle can fail)', async () => {
    const path = join(dir, 'broken.conf');
    await writeFile(path, renderKeepalivedConf(fixtureConfig('two-lan-wan')).replace('advert_int 1', 'advert_int x'));
    const result = await lab.exec(ns, 'keepalived', ['--config-test', '-f', path]);
    expect(result.exitCode).not.toBe(0);
    expect(result.stderr).toMatch(/invalid number 'x'/);
  });
});
