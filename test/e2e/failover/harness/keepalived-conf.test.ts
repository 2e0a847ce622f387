// keepalived's own configuration check (keepalived --config-test) on what the reference stack
// writes, inside a namespace that has the firewall's interfaces, with the notify script in
// place: the script security rules hold.
import { chmod, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { requireTool } from '../../../helpers/tools.js';
import { FIREWALLS } from './addresses.js';
import { ADVERT_INT_S, renderKeepalivedConf } from './keepalived-conf.js';
import { renderNotifyScript } from './notify-script.js';

const net = createNamespaces('foka');
let dir: string;
beforeAll(async () => {
  requireTool('keepalived');
  dir = await mkdtemp(join(tmpdir(), 'half-kaconf-'));
  await net.addNs('fw');
  await net.addNs('switch');
  await net.veth('fw', 'lan0', 'switch', 'lan');
  await net.veth('fw', 'wan0', 'switch', 'wan');
});
afterAll(async () => {
  await net.cleanup();
  await rm(dir, { recursive: true, force: true });
});

describe('renderKeepalivedConf', () => {
  it.each(['halfone', 'halftwo'] as const)('passes keepalived --config-test for %s', async (name) => {
    const script = join(dir, 'notify.sh');
    await writeFile(script, renderNotifyScript({ logFile: join(dir, 'notify.log') }));
    await chmod(script, 0o755);
    const conf = join(dir, `${name}.conf`);
    await writeFile(conf, renderKeepalivedConf(FIREWALLS[name], { notifyScript: script }));
    const checked = await net.exec('fw', ['keepalived', '--config-test', '--use-file', conf]);
    expect(checked.exitCode, checked.stderr).toBe(0);
    expect(checked.stderr).not.toMatch(/unknown keyword|WARNING|insecure/i);
  });

  it('puts both VIPs in one sync group, VRRPv3 unicast to the peer, the higher priority on halfone', () => {
    const one = renderKeepalivedConf(FIREWALLS.halfone, { notifyScript: '/x/notify.sh' });
    const two = renderKeepalivedConf(FIREWALLS.halftwo, { notifyScript: '/x/notify.sh' });
    expect(one).toMatch(/vrrp_sync_group G1 \{\s+group \{\s+LAN\s+WAN\s+\}/);
    expect(one).toContain('vrrp_version 3');
    expect(one).toContain(`advert_int ${ADVERT_INT_S}`);
    expect(one).toMatch(/unicast_src_ip 192\.0\.2\.1\s+unicast_peer \{\s+192\.0\.2\.2\s+\}/);
    expect(two).toMatch(/unicast_src_ip 198\.51\.100\.2\s+unicast_peer \{\s+198\.51\.100\.1\s+\}/);
    expect(one).toContain('priority 150');
    expect(two).toContain('priority 100');
    expect(one).not.toMatch(/22[4-9]\.|23\d\./);
  });
});
