import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { DEFAULT_SYNC_OPTIONS, maxBodyBytes, maxDatagramBytes, resolveSyncOptions } from '../../../daemon/src/sync/options.js';

describe('sync options', () => {
  it('fits a datagram in the MTU minus IP/UDP headers and a body minus the AEAD overhead', () => {
    expect(maxDatagramBytes({ mtu: 1500, ipVersion: 4 })).toBe(1472);
    expect(maxDatagramBytes({ mtu: 1500, ipVersion: 6 })).toBe(1452);
    expect(maxBodyBytes(DEFAULT_SYNC_OPTIONS)).toBe(1452 - 28 - 16);
    expect(maxBodyBytes({ mtu: 9000, ipVersion: 4 })).toBe(9000 - 28 - 28 - 16);
  });

  it('names the bad option and the accepted range', () => {
    expect(() => resolveSyncOptions({ mtu: 100 })).toThrow(ConfigError);
    expect(() => resolveSyncOptions({ mtu: 100 })).toThrow(/mtu = 100/);
    expect(() => resolveSyncOptions({ resyncQueueShare: 0 })).toThrow(/resyncQueueShare/);
    expect(() => resolveSyncOptions({ peerTimeoutMs: 100, aliveIntervalMs: 200 })).toThrow(/peerTimeoutMs/);
    expect(resolveSyncOptions({ mtu: 9000 }).mtu).toBe(9000);
  });
});
