import { describe, expect, it } from 'vitest';
import type { ConntrackEntry } from '../../../daemon/src/kernel/ct-entry.js';
import { FilterConfigError } from '../../../daemon/src/kernel/errors.js';
import { buildFlowFilter } from '../../../daemon/src/kernel/flow-filter.js';
import { SAMPLE_ENTRIES, SAMPLE_EXPECTATION } from './helpers/sample-entries.js';

const tcp = SAMPLE_ENTRIES['tcpSnat'] as ConntrackEntry; // 192.0.2.10 -> 198.51.100.20, SNAT to 203.0.113.1
const v6 = SAMPLE_ENTRIES['tcpDnatV6Zone'] as ConntrackEntry; // DNAT to 2001:db8:2::80

describe('FlowFilter', () => {
  it('ignores flows whose initiator or responder is an ignored address or prefix', () => {
    expect(buildFlowFilter({ ignoreAddresses: ['192.0.2.10'] }).acceptsEntry(tcp)).toBe(false);
    expect(buildFlowFilter({ ignoreAddresses: ['198.51.100.0/24'] }).acceptsEntry(tcp)).toBe(false);
    expect(buildFlowFilter({ ignoreAddresses: ['2001:db8:2::/48'] }).acceptsEntry(v6)).toBe(false); // DNAT target
    expect(buildFlowFilter({ ignoreAddresses: ['198.51.101.0/24', '2001:db8:3::/48'] }).acceptsEntry(tcp)).toBe(true);
  });

  it('does not drop SNATed flows whose translated source is a listed address', () => {
    expect(buildFlowFilter({ ignoreAddresses: ['203.0.113.1'] }).acceptsEntry(tcp)).toBe(true);
  });

  it('filters protocols (accept and ignore lists, names or numbers) and TCP states', () => {
    expect(buildFlowFilter({ protocols: ['udp', 'sctp'] }).acceptsEntry(tcp)).toBe(false);
    expect(buildFlowFilter({ protocols: ['TCP'] }).acceptsEntry(tcp)).toBe(true);
    expect(buildFlowFilter({ ignoreProtocols: [6] }).acceptsEntry(tcp)).toBe(false);
    expect(buildFlowFilter({ tcpStates: ['established'] }).acceptsEntry(tcp)).toBe(true);
    expect(buildFlowFilter({ tcpStates: ['ESTABLISHED'] }).acceptsEntry(v6)).toBe(false); // TIME_WAIT
    const noState: ConntrackEntry = { ...tcp, protoinfo: undefined } as ConntrackEntry;
    expect(buildFlowFilter({ tcpStates: ['ESTABLISHED'] }).acceptsEntry(noState)).toBe(true);
    expect(buildFlowFilter({ ignoreAddresses: ['192.0.2.16'] }).acceptsExpectation(SAMPLE_EXPECTATION)).toBe(false);
    expect(buildFlowFilter({ protocols: ['udp'] }).acceptsExpectation(SAMPLE_EXPECTATION)).toBe(false);
  });

  it('tells a connection outside the chosen TCP states (its copy goes) from one never replicated', () => {
    const filter = buildFlowFilter({ tcpStates: ['ESTABLISHED'], ignoreAddresses: ['192.0.2.10'] });
    const finWait: ConntrackEntry = { ...v6, protoinfo: { proto: 'tcp', state: 4 } } as ConntrackEntry;
    expect([filter.acceptsEntry(finWait), filter.leavesByState(finWait)]).toEqual([false, true]);
    expect(filter.leavesByState(tcp), 'an ignored address: never replicated').toBe(false);
    expect(filter.leavesByState({ ...v6, protoinfo: { proto: 'tcp', state: 3 } } as ConntrackEntry), 'accepted').toBe(false);
    expect(buildFlowFilter({ protocols: ['udp'], tcpStates: ['ESTABLISHED'] }).leavesByState(finWait), 'a protocol not chosen').toBe(false);
    expect(buildFlowFilter({}).leavesByState(finWait)).toBe(false);
  });

  it('names the bad setting and the fix', () => {
    const cases: [object, RegExp][] = [
      [{ ignoreAddresses: ['192.0.2.1', 'gateway'] }, /ignoreAddresses\[1\]: "gateway" is not an IP address or prefix/],
      [{ ignoreAddresses: ['192.0.2.0/33'] }, /ignoreAddresses\[0\]: prefix length in "192.0.2.0\/33" must be 0..32/],
      [{ protocols: ['tcp', 'quic'] }, /protocols\[1\]: unknown protocol "quic"/],
      [{ tcpStates: ['OPEN'] }, /tcpStates\[0\]: unknown TCP state "OPEN"/],
    ];
    for (const [config, message] of cases) {
      let error: unknown;
      try {
        buildFlowFilter(config);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(FilterConfigError);
      expect((error as Error).message).toMatch(message);
      expect((error as FilterConfigError).hint, String(message)).toMatch(/\S/);
    }
  });
});
