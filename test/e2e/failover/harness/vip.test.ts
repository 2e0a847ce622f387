// Watching the VIPs with `ip monitor address`, in namespaces of the test's own.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNamespaces } from '../../../helpers/netns.js';
import { LAN_VIP, WAN_VIP } from './addresses.js';
import { sleep, waitUntil } from './processes.js';
import { holdsVips, monitorTime, watchVips } from './vip.js';

const net = createNamespaces('fovip');
beforeAll(async () => {
  await net.addNs('halfone');
  await net.addNs('halftwo');
  await net.veth('halfone', 'lan0', 'halftwo', 'lan0');
  await net.veth('halfone', 'wan0', 'halftwo', 'wan0');
});
afterAll(() => net.cleanup());

describe('watchVips', () => {
  it('timestamps each VIP added to or removed from a node, and only the VIPs', async () => {
    const watcher = watchVips(net, ['halfone', 'halftwo']);
    try {
      await sleep(300); // the monitors subscribe
      const before = performance.timeOrigin + performance.now();
      await net.addr('halftwo', 'lan0', '192.0.2.2/24');
      await net.addr('halftwo', 'lan0', `${LAN_VIP}/24`);
      await net.addr('halftwo', 'wan0', `${WAN_VIP}/24`);
      await net.exec('halftwo', ['ip', 'addr', 'del', `${LAN_VIP}/24`, 'dev', 'lan0'], { check: true });
      await waitUntil(() => watcher.events.length >= 3, 5000, 'three VIP events');
      expect(watcher.events.map((e) => [e.node, e.vip, e.change])).toEqual([
        ['halftwo', LAN_VIP, 'added'],
        ['halftwo', WAN_VIP, 'added'],
        ['halftwo', LAN_VIP, 'removed'],
      ]);
      expect(watcher.events.every((e) => e.at >= before)).toBe(true);
      expect(watcher.pids).toHaveLength(2);
      expect(await holdsVips(net, 'halftwo')).toEqual({ lan: false, wan: true });
      expect(await holdsVips(net, 'halfone')).toEqual({ lan: false, wan: false });
    } finally {
      watcher.stop();
    }
  });
});

describe('monitorTime', () => {
  it('reads the local time ip -ts puts in front of a line, keeping the microseconds', () => {
    const at = monitorTime('[2026-11-26T06:52:00.103888] 3: va    inet 192.0.2.9/24 scope global va');
    expect(at).toBeCloseTo(new Date(2026, 10, 26, 6, 52, 0).getTime() + 103.888, 3);
    expect(monitorTime('3: va    inet 192.0.2.9/24')).toBeUndefined();
  });
});
