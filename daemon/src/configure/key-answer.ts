// What happens to the cluster key file (half.conf(5), CLUSTER KEY) when answers are applied: a
// key given in the answer is written (when it differs); no answer keeps a valid existing key;
// with neither, the first node makes one (check-answers.ts already refused a backup without
// one). The random bytes are passed in, so this stays pure.
import { CLUSTER_KEY_BYTES, parseClusterKey } from '../config/cluster-key.js';

export type KeyDecision =
  | { readonly kind: 'keep' }
  | { readonly kind: 'write'; readonly key: Uint8Array; readonly generated: boolean };

/** `existing` is the key file's valid key, if there is one. */
export function decideKey(answerText: string, existing: Uint8Array | undefined, random: () => Uint8Array): KeyDecision {
  const text = answerText.trim();
  if (text !== '') {
    const parsed = parseClusterKey(text);
    if (!parsed.ok) throw new RangeError(`decideKey: the cluster key answer ${parsed.message} (check-answers.ts lets no such answer through)`);
    if (existing !== undefined && Buffer.from(existing).equals(Buffer.from(parsed.key))) return { kind: 'keep' };
    return { kind: 'write', key: parsed.key, generated: false };
  }
  if (existing !== undefined) return { kind: 'keep' };
  const key = random();
  if (key.length !== CLUSTER_KEY_BYTES) throw new RangeError(`decideKey: got ${key.length} random bytes, not ${CLUSTER_KEY_BYTES}`);
  return { kind: 'write', key, generated: true };
}

export function keyHex(key: Uint8Array): string {
  return Buffer.from(key).toString('hex');
}

/** The key file's text: one comment line, then the key as 64 hex digits. */
export function formatKeyFile(key: Uint8Array): string {
  return `# HALF cluster key: the same 32 bytes on every node of the cluster (half.conf(5), CLUSTER KEY)\n${keyHex(key)}\n`;
}
