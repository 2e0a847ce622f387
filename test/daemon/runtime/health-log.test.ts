// The periodic health report (daemon/src/runtime/health-log.ts): drops since the last look, by
// reason, and peers that came or went.
import { describe, expect, it } from 'vitest';
import { emptySyncCounters } from '../../../daemon/src/sync/counters.js';
import type { PeerStatus, SyncStatus } from '../../../daemon/src/sync/status.js';
import { nextHealthReport } from '../../../daemon/src/runtime/health-log.js';

function status(drops: Partial<ReturnType<typeof emptySyncCounters>['drops']>, alive: readonly number[]): SyncStatus {
  const counters = emptySyncCounters();
  Object.assign(counters.drops, drops);
  const peers = alive.map((nodeId) => ({ nodeId, alive: true }) as PeerStatus);
  return { nodeId: 1, bootEpoch: 1, role: 'sender', lastSeq: 0, resendQueue: 0, resyncInProgress: false, internalEntries: 0, peers, counters };
}

describe('nextHealthReport', () => {
  it('reports drops since the previous state and peers that changed', () => {
    const first = nextHealthReport(undefined, status({ forged: 2 }, [2]));
    expect(first.drops).toEqual({ forged: 2 });
    expect(first.peersUp).toEqual([2]);
    const second = nextHealthReport(first.state, status({ forged: 2, replay: 1 }, [3]));
    expect(second.drops).toEqual({ replay: 1 });
    expect(second.peersUp).toEqual([3]);
    expect(second.peersDown).toEqual([2]);
    expect(nextHealthReport(second.state, status({ forged: 2, replay: 1 }, [3])).drops).toEqual({});
  });
});
