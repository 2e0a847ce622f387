// A stop asked while the start waits for the sync address ends the wait at once
// (StartStoppedError), instead of after the whole wait and then a full start (a review: SIGTERM
// during `--address-wait` was ignored for up to 30 s). The address is one this host does not
// have: its bind fails (nothing is sent), as on a node whose address comes up late.
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { StartStoppedError } from '../../../daemon/src/errors.js';
import { silentLogger } from '../../../daemon/src/metrics/logger.js';
import { openSyncChannel } from '../../../daemon/src/runtime/sync-link.js';
import { systemClock } from '../../../daemon/src/sync/clock.js';

const CONF = '[node]\nid = 1\nrole = primary\n[sync]\ninterface = lo\naddress = 203.0.113.77\npeers = 203.0.113.78\n[vips]\nlan0 = 192.0.2.254/24\n';

describe('openSyncChannel waiting for its address', () => {
  it('ends the wait at once when the start is stopped', async () => {
    const abort = new AbortController();
    const started = performance.now();
    setTimeout(() => abort.abort(), 300);
    const opening = openSyncChannel(validateHalfConf(CONF, '/etc/half/half.conf'), systemClock, silentLogger, 20_000, abort.signal);
    await expect(opening).rejects.toBeInstanceOf(StartStoppedError);
    await expect(opening).rejects.toThrow(/stopped while waiting for the sync link lo \(203\.0\.113\.77\)/);
    expect(performance.now() - started).toBeLessThan(3000);
  });
});
