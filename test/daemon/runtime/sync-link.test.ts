// Which sources each sync link hears (acceptSourceFor): a unicast link only its own peers, a
// multicast link anyone (authentication decides there), also when the two are mixed: a multicast
// second link must not open the unicast first one to every source.
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { acceptSourceFor } from '../../../daemon/src/runtime/sync-link.js';
import { MINIMAL } from '../config/fixtures/problems.js';

describe('acceptSourceFor', () => {
  it('hears on a unicast link only its peers, on a multicast link beside it anyone', () => {
    const config = validateHalfConf(`${MINIMAL}[sync2]\ninterface = sync1\naddress = 198.51.100.9\nmulticast-group = 239.192.0.1\n`, 'h');
    const accept = acceptSourceFor(config);
    expect(accept('203.0.113.2', 0)).toBe(true);
    expect(accept('::ffff:203.0.113.2', 0)).toBe(true);
    expect(accept('192.0.2.66', 0), 'a stranger on the unicast link').toBe(false);
    expect(accept('198.51.100.10', 0), 'a multicast neighbour is no unicast peer').toBe(false);
    expect(accept('198.51.100.10', 1)).toBe(true);
    expect(accept('192.0.2.66', 1)).toBe(true);
    expect(accept('203.0.113.2', 2), 'no such link').toBe(false);
  });

  it('hears on each of two unicast links that link\'s peers', () => {
    const config = validateHalfConf(`${MINIMAL}[sync2]\ninterface = sync1\naddress = 198.51.100.9\npeers = 198.51.100.10\n`, 'h');
    const accept = acceptSourceFor(config);
    expect([accept('203.0.113.2', 0), accept('198.51.100.10', 1)]).toEqual([true, true]);
    expect([accept('198.51.100.10', 0), accept('203.0.113.2', 1), accept('192.0.2.66', 0)]).toEqual([false, false, false]);
  });
});
