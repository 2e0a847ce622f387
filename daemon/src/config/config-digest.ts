// What half-syncd runs with, as one digest: the validated half.conf (its meaning: comments and
// layout do not count) and the cluster key. half-syncd reports the digest of what it loaded at
// start in its status; `half configure --apply` compares it with the digest of the files now and
// restarts half-syncd only when they differ (a restart empties a standby's copy of the peers'
// connections until the next resync).
import { createHash } from 'node:crypto';
import type { HalfConfig } from './half-conf.js';

export function configDigest(config: HalfConfig, clusterKey: Uint8Array): string {
  const { source: _source, ...meaning } = config;
  return createHash('sha256')
    .update(JSON.stringify(meaning, (_key, value: unknown) => (value instanceof Uint8Array ? Buffer.from(value).toString('hex') : value)))
    .update(clusterKey)
    .digest('hex');
}
