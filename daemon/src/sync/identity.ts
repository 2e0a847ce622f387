// Validation of a node's identity settings (configuration errors name the setting and the fix),
// and the boot epoch rule: strictly increasing across restarts, so (epoch, frame counter) never
// repeats under a node's key.
import { ConfigError } from '../errors.js';

function isU32(value: number | undefined): boolean {
  return value !== undefined && Number.isInteger(value) && value >= 0 && value <= 0xffffffff;
}

export function checkNodeIdentity(config: { readonly nodeId: number; readonly bootEpoch: number; readonly initialSeq?: number }): void {
  if (!isU32(config.nodeId)) {
    throw new ConfigError(`sync node id ${config.nodeId} is not a 32-bit unsigned integer`, {
      hint: 'give every node of the cluster a distinct node id from 0 to 4294967295',
    });
  }
  if (!isU32(config.bootEpoch)) {
    throw new ConfigError(`sync boot epoch ${config.bootEpoch} is not a 32-bit unsigned integer`, {
      hint: 'derive it with nextBootEpoch() from the stored previous epoch and the time in seconds',
    });
  }
  if (config.initialSeq !== undefined && !isU32(config.initialSeq)) {
    throw new ConfigError(`sync initial sequence number ${config.initialSeq} is not a 32-bit unsigned integer`, {
      hint: 'use any value from 0 to 4294967295 (a random one is fine)',
    });
  }
}

/**
 * The boot epoch to use now: the wall-clock second, or one more than the previous epoch if that
 * is not later (a clock set back, or two starts within a second). The daemon stores the result
 * before it sends anything.
 */
export function nextBootEpoch(previous: number | undefined, nowSeconds: number): number {
  const candidate = Math.floor(nowSeconds) >>> 0;
  if (previous === undefined || candidate > previous) return candidate;
  if (previous >= 0xffffffff) {
    throw new ConfigError('the stored sync boot epoch reached 4294967295', {
      hint: 'change the cluster key (every node), which resets every epoch safely, then remove the stored epoch',
    });
  }
  return previous + 1;
}
