// The admin's edit of half.conf: the advert interval set in [vrrp] wherever the section is, what
// the daemon's own validator then reads, and what it refuses.
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { withAdvertInterval } from './half-admin.js';

// as postinst writes it from the preseeded answers (half configure --debconf apply)
const WRITTEN = `# HALF node configuration, see half.conf(5).

[node]
id = 1
role = primary

[sync]
interface = sync0
address = 203.0.113.1
peers = 203.0.113.2

[vrrp]
router-id = 51

[vips]
lan0 = 192.0.2.254/24
wan0 = 198.51.100.254/24
`;

describe('withAdvertInterval', () => {
  it('adds the key to [vrrp], which the validator then reads', () => {
    const edited = withAdvertInterval(WRITTEN, 0.5);
    expect(edited).toContain('[vrrp]\nadvert-interval = 0.5\nrouter-id = 51\n');
    const config = validateHalfConf(edited, '/etc/half/half.conf');
    expect(config.vrrp.advertIntervalSeconds).toBe(0.5);
    expect(config.vrrp.routerId).toBe(51);
    expect(validateHalfConf(WRITTEN, '/etc/half/half.conf').vrrp.advertIntervalSeconds).toBe(1);
  });

  it('replaces an existing value, and adds the section when there is none', () => {
    expect(withAdvertInterval(withAdvertInterval(WRITTEN, 0.5), 2).match(/advert-interval/g)).toHaveLength(1);
    expect(validateHalfConf(withAdvertInterval(WRITTEN, 0.5).replace('advert-interval = 0.5', 'advert-interval = 3'), 'x').vrrp.advertIntervalSeconds).toBe(3);
    const without = WRITTEN.replace('[vrrp]\nrouter-id = 51\n', '');
    expect(validateHalfConf(withAdvertInterval(without, 0.25), '/etc/half/half.conf').vrrp.advertIntervalSeconds).toBe(0.25);
  });

  it('refuses an interval VRRPv3 cannot carry', () => {
    expect(() => withAdvertInterval(WRITTEN, 0)).toThrow(/outside 0\.01-40\.95/);
    expect(() => withAdvertInterval(WRITTEN, 41)).toThrow(RangeError);
  });
});
