// What the failover machine starts from (daemon/src/runtime/initial-state.ts): MASTER when the
// node holds every virtual address, nothing otherwise.
import { describe, expect, it } from 'vitest';
import { parseIpAddress, type IpAddress } from '../../../daemon/src/config/ip-address.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { inferredStartEvent } from '../../../daemon/src/runtime/initial-state.js';

const config = (vips: string) =>
  validateHalfConf(`[node]\nid = 1\nrole = primary\n[sync]\ninterface = sync0\naddress = 203.0.113.1\npeers = 203.0.113.2\n[vips]\n${vips}\n`, 'half.conf');
const addresses = (...texts: string[]): IpAddress[] => texts.map((t) => parseIpAddress(t) as IpAddress);

describe('inferredStartEvent', () => {
  it('is MASTER of the single instance when the node holds its VIP', () => {
    expect(inferredStartEvent(config('lan0 = 192.0.2.254/24'), addresses('192.0.2.1', '192.0.2.254'))).toEqual({ type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 150 });
  });

  it('is MASTER of the sync group only when every VIP is held', () => {
    const two = config('lan0 = 192.0.2.254/24\nwan0 = 198.51.100.254/24');
    expect(inferredStartEvent(two, addresses('192.0.2.254', '198.51.100.254'))).toEqual({ type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 });
    expect(inferredStartEvent(two, addresses('192.0.2.254'))).toBeUndefined();
    expect(inferredStartEvent(two, addresses('192.0.2.1'))).toBeUndefined();
  });
});
