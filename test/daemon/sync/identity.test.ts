import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { checkNodeIdentity, nextBootEpoch } from '../../../daemon/src/sync/identity.js';

describe('nextBootEpoch', () => {
  it('uses the time in seconds, but always moves past the previous epoch', () => {
    expect(nextBootEpoch(undefined, 1_760_000_000.7)).toBe(1_760_000_000);
    expect(nextBootEpoch(1_700_000_000, 1_760_000_000)).toBe(1_760_000_000);
    expect(nextBootEpoch(1_760_000_000, 1_760_000_000)).toBe(1_760_000_001);
    expect(nextBootEpoch(1_760_000_005, 1_600_000_000)).toBe(1_760_000_006);
    expect(() => nextBootEpoch(0xffffffff, 1)).toThrow(ConfigError);
  });
});

describe('checkNodeIdentity', () => {
  it('names the setting that is not a 32-bit unsigned integer', () => {
    expect(() => checkNodeIdentity({ nodeId: 1, bootEpoch: 5, initialSeq: 0xffffffff })).not.toThrow();
    expect(() => checkNodeIdentity({ nodeId: -1, bootEpoch: 5 })).toThrow(/node id -1/);
    expect(() => checkNodeIdentity({ nodeId: 1, bootEpoch: 1.5 })).toThrow(/boot epoch 1.5/);
    expect(() => checkNodeIdentity({ nodeId: 1, bootEpoch: 5, initialSeq: 2 ** 32 })).toThrow(ConfigError);
  });
});
