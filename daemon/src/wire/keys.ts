// Per-purpose keys derived from the cluster key with HKDF-SHA256 (RFC 5869). The cluster key is
// the one secret every node shares; each sender gets its own frame key (info names the purpose,
// the cluster and the node), so nonces only need to be unique per sender and a key never
// encrypts under another node's nonce sequence.
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
import { performance } from 'node:perf_hooks';
import { ConfigError } from '../errors.js';

export const MIN_CLUSTER_KEY_BYTES = 16;
export const FRAME_KEY_BYTES = 32;
const SALT = Buffer.from('HALF sync protocol v1', 'ascii');

function frameKeyInfo(clusterId: number, nodeId: number): Buffer {
  const info = Buffer.alloc(20);
  info.write('frame-key', 0, 'ascii');
  info.writeUInt32BE(clusterId >>> 0, 12);
  info.writeUInt32BE(nodeId >>> 0, 16);
  return info;
}

/** The frame key of `nodeId`: HKDF-SHA256 of the cluster key (the reference FrameKeys matches). */
export function deriveFrameKey(clusterKey: Uint8Array, clusterId: number, nodeId: number): Buffer {
  return Buffer.from(hkdfSync('sha256', clusterKey, SALT, frameKeyInfo(clusterId, nodeId), FRAME_KEY_BYTES));
}

/**
 * The same HKDF with its extract step done once: a 32-byte output is one block of the expand
 * step, T(1) = HMAC(PRK, info || 0x01) (RFC 5869, 2.3), so each node's key costs one HMAC
 * (some 3.5 µs here against 12.5 for hkdfSync, which extracts again every time).
 */
class FrameKeyDeriver {
  private readonly prk: KeyObject;
  constructor(
    clusterKey: Uint8Array,
    private readonly clusterId: number,
  ) {
    this.prk = createSecretKey(createHmac('sha256', SALT).update(clusterKey).digest());
  }

  derive(nodeId: number): KeyObject {
    const block = createHmac('sha256', this.prk).update(frameKeyInfo(this.clusterId, nodeId)).update(BLOCK_ONE).digest();
    return createSecretKey(block);
  }
}
const BLOCK_ONE = Buffer.of(1);

/** Keys derived for node ids no authentic frame has used yet, kept at most (then forgotten). */
export const UNPROVEN_KEYS = 64;
/** Keys of node ids authentic frames used, kept at most: a node with the key could use any id (then they are derived again). */
export const PROVEN_KEYS = 1024;
/**
 * Keys derived per second, at most, to open frames of node ids no authentic frame has used yet:
 * beyond, such frames are dropped untried (`newIdLimit`), so forged frames under ever new ids
 * cost no more than a failed tag check. A cluster's own nodes are proven after their first frame.
 */
export const NEW_IDS_PER_SECOND = 256;

/**
 * The frame keys of one cluster, derived once per node id and cached as key objects: a cipher
 * made from a KeyObject does not import the key's bytes again for every frame. The node id of a
 * frame is read before the frame is authenticated, so anyone who can send to the sync port could
 * make us derive a key per id (2^32 of them): a key is kept for good only once a frame sealed or
 * opened with it; the others are kept in a small cache that is emptied when it fills, and at most
 * NEW_IDS_PER_SECOND of them are derived a second to open frames.
 */
export class FrameKeys {
  private readonly proven = new Map<number, KeyObject>();
  private readonly unproven = new Map<number, KeyObject>();
  private readonly deriver: FrameKeyDeriver;
  private windowStart = Number.NEGATIVE_INFINITY;
  private derivedInWindow = 0;

  /** `now`: monotonic milliseconds, for the budget of new ids (tests pass a fake clock's). */
  constructor(
    clusterKey: Uint8Array,
    readonly clusterId: number,
    private readonly now: () => number = () => performance.now(),
  ) {
    if (clusterKey.byteLength < MIN_CLUSTER_KEY_BYTES) {
      throw new ConfigError(
        `the sync cluster key is ${clusterKey.byteLength} bytes; it must be at least ${MIN_CLUSTER_KEY_BYTES}`,
        { hint: 'make one as half.conf(5) shows (32 random bytes as hex, mode 0600: `(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n" > /etc/half/cluster.key)`) and copy it to every node' },
      );
    }
    if (!Number.isInteger(clusterId) || clusterId < 0 || clusterId > 0xffffffff) {
      throw new ConfigError(`the sync cluster id ${clusterId} is not a 32-bit unsigned integer`, {
        hint: 'set the same cluster id (0 to 4294967295) on every node of the cluster',
      });
    }
    this.deriver = new FrameKeyDeriver(clusterKey, clusterId);
  }

  /** How many keys are cached: proven ones, and those derived for frames that were not authentic (yet). */
  get cached(): { readonly proven: number; readonly unproven: number } {
    return { proven: this.proven.size, unproven: this.unproven.size };
  }

  /** The key to seal a frame of `nodeId` with (this node's own id: never refused). */
  forNode(nodeId: number): KeyObject {
    return this.proven.get(nodeId) ?? this.unproven.get(nodeId) ?? this.remember(nodeId);
  }

  /** The key to open a received frame of `nodeId`; undefined when the id is new and this second's budget of new ids is spent. */
  toOpen(nodeId: number): KeyObject | undefined {
    const known = this.proven.get(nodeId) ?? this.unproven.get(nodeId);
    if (known !== undefined) return known;
    const now = this.now();
    if (now - this.windowStart >= 1000) {
      this.windowStart = now;
      this.derivedInWindow = 0;
    }
    if (this.derivedInWindow >= NEW_IDS_PER_SECOND) return undefined;
    this.derivedInWindow += 1;
    return this.remember(nodeId);
  }

  private remember(nodeId: number): KeyObject {
    const key = this.deriver.derive(nodeId);
    if (this.unproven.size >= UNPROVEN_KEYS) this.unproven.clear();
    this.unproven.set(nodeId, key);
    return key;
  }

  /** A frame of `nodeId` was sealed, or opened as authentic: its key is kept for good. */
  proved(nodeId: number): void {
    const key = this.unproven.get(nodeId);
    if (key === undefined) return;
    this.unproven.delete(nodeId);
    if (this.proven.size >= PROVEN_KEYS) this.proven.clear();
    this.proven.set(nodeId, key);
  }
}
