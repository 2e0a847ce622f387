import { describe, expect, it } from 'vitest';
import { hasNat, Ips, statusForCreate, statusForUpdate, statusNames } from '../../../../daemon/src/kernel/codec/ct-status.js';

describe('conntrack status', () => {
  it('creates with CONFIRMED and without EXPECTED or DYING (the kernel answers EBUSY otherwise)', () => {
    const status = Ips.expected | Ips.seenReply | Ips.assured | Ips.srcNat | Ips.dying;
    expect(statusNames(statusForCreate(status))).toBe('SEEN_REPLY|ASSURED|CONFIRMED|SRC_NAT');
    expect(statusForCreate(Ips.seenReply | Ips.assured)).toBe(Ips.seenReply | Ips.assured | Ips.confirmed);
  });

  it('updates keeping EXPECTED as the source has it', () => {
    expect(statusNames(statusForUpdate(Ips.expected | Ips.seenReply | Ips.dying))).toBe('EXPECTED|SEEN_REPLY|CONFIRMED');
  });

  it('names bits and detects NAT', () => {
    expect(statusNames(0)).toBe('0');
    expect(statusNames(Ips.helper | Ips.hwOffload)).toBe('HELPER|HW_OFFLOAD');
    expect(hasNat(Ips.dstNat)).toBe(true);
    expect(hasNat(Ips.srcNatDone | Ips.dstNatDone)).toBe(false);
  });
});
