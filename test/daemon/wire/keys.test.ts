import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { FrameKeys, deriveFrameKey } from '../../../daemon/src/wire/keys.js';

const clusterKey = Buffer.alloc(32, 0x5a);

describe('FrameKeys', () => {
  it('derives one stable 256-bit key per node, distinct across nodes and clusters', () => {
    const keys = new FrameKeys(clusterKey, 1);
    const key = keys.forNode(1);
    expect(key.type).toBe('secret');
    const a = key.export();
    expect(a).toHaveLength(32);
    expect(a.equals(deriveFrameKey(clusterKey, 1, 1))).toBe(true);
    expect(keys.forNode(1)).toBe(key);
    expect(new FrameKeys(clusterKey, 1).forNode(1).equals(key)).toBe(true);
    expect(keys.forNode(2).equals(key)).toBe(false);
    expect(new FrameKeys(clusterKey, 2).forNode(1).equals(key)).toBe(false);
    expect(deriveFrameKey(Buffer.alloc(32, 0x5b), 1, 1).equals(a)).toBe(false);
    // Never the cluster key itself.
    expect(a.equals(clusterKey)).toBe(false);
  });

  it('refuses a short cluster key with a hint to make a proper one', () => {
    expect(() => new FrameKeys(Buffer.alloc(8), 1)).toThrow(ConfigError);
    try {
      new FrameKeys(Buffer.alloc(8), 1);
    } catch (error) {
      expect((error as ConfigError).message).toContain('8 bytes');
      expect((error as ConfigError).hint).toContain('/dev/urandom');
    }
  });

  it('refuses a cluster id outside 32 bits', () => {
    expect(() => new FrameKeys(clusterKey, -1)).toThrow(/cluster id -1/);
    expect(() => new FrameKeys(clusterKey, 2 ** 32)).toThrow(ConfigError);
  });
});
