// Per-purpose keys derived from the cluster key with HKDF-SHA256 (RFC 5869). The cluster key is
// the one secret every node shares; each sender gets its own frame key (info names the purpose,
// the cluster and the node), so nonces only need to be unique per sender and a key never
// encrypts under another node's nonce sequence.
import { createHmac, createSecretKey, hkdfSync, type KeyObject } from 'node:crypto';
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

  derive(nodeId: number): Buffer {
    return createHmac('sha256', this.prk).update(frameKeyInfo(this.clusterId, nodeId)).update(BLOCK_ONE).digest();
  }
}
const BLOCK_ONE = Buffer.of(1);

/** Node ids half.conf can give ([node] id): frames of others are dropped untried, their keys never derived. */
export const MIN_NODE_ID = 1;
export const MAX_NODE_ID = 65535;
/** Keys of node ids authentic frames used, kept as key objects at most (then made again from their bytes). */
export const PROVEN_KEYS = 1024;
/** Node ids per block of derived key bytes. */
const BLOCK_IDS = 256;

/**
 * The frame keys of one cluster. The node id of a frame is read before the frame is
 * authenticated, so anyone who can send to the sync port can name any id: a key is derived at
 * most once per id for the life of the process (65,535 ids at most: 2 MiB, one HMAC each, in
 * blocks made as ids are first named), so forged frames under ever new ids cost
 * what forged frames under one id cost, a failed tag check, and no id is ever refused a try (a
 * budget of new ids a second let such frames keep a node that had not been heard yet out). Keys
 * of ids whose frames were sealed or opened as authentic are also kept as key objects: a cipher
 * made from one does not import the key's bytes again for every frame.
 */
export class FrameKeys {
  private readonly proven = new Map<number, KeyObject>();
  /** Derived key bytes by block of BLOCK_IDS ids; a block's `derived` flags say which are made. */
  private readonly blocks = new Map<number, { readonly bytes: Buffer; readonly derived: Uint8Array }>();
  private readonly deriver: FrameKeyDeriver;
  private derivedCount = 0;

  constructor(
    clusterKey: Uint8Array,
    readonly clusterId: number,
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

  /** How many keys are kept as key objects (proven ids), and how many ids' keys were derived. */
  get cached(): { readonly proven: number; readonly derived: number } {
    return { proven: this.proven.size, derived: this.derivedCount };
  }

  /** The key to seal a frame of `nodeId` with (this node's own id, from half.conf; a test's forgery may name any other). */
  forNode(nodeId: number): KeyObject {
    if (!validNodeId(nodeId)) return createSecretKey(this.deriver.derive(nodeId));
    return this.proven.get(nodeId) ?? this.keep(nodeId, this.bytesOf(nodeId));
  }

  /** The key to open a received frame of `nodeId`; undefined for an id no half.conf can give. */
  toOpen(nodeId: number): KeyObject | Buffer | undefined {
    if (!validNodeId(nodeId)) return undefined;
    return this.proven.get(nodeId) ?? this.bytesOf(nodeId);
  }

  /** A frame of `nodeId` was sealed, or opened as authentic: its key is kept as a key object. */
  proved(nodeId: number): void {
    if (!this.proven.has(nodeId) && validNodeId(nodeId)) this.keep(nodeId, this.bytesOf(nodeId));
  }

  private keep(nodeId: number, bytes: Buffer): KeyObject {
    const key = createSecretKey(bytes);
    if (this.proven.size >= PROVEN_KEYS) this.proven.clear();
    this.proven.set(nodeId, key);
    return key;
  }

  /** The key's bytes (a view into its block), derived on first use. */
  private bytesOf(nodeId: number): Buffer {
    if (!validNodeId(nodeId)) throw new RangeError(`node id ${nodeId} is outside ${MIN_NODE_ID}-${MAX_NODE_ID}`);
    const index = Math.floor(nodeId / BLOCK_IDS);
    let block = this.blocks.get(index);
    if (block === undefined) {
      block = { bytes: Buffer.alloc(BLOCK_IDS * FRAME_KEY_BYTES), derived: new Uint8Array(BLOCK_IDS) };
      this.blocks.set(index, block);
    }
    const slot = nodeId % BLOCK_IDS;
    const bytes = block.bytes.subarray(slot * FRAME_KEY_BYTES, (slot + 1) * FRAME_KEY_BYTES);
    if (block.derived[slot] === 0) {
      this.deriver.derive(nodeId).copy(bytes);
      block.derived[slot] = 1;
      this.derivedCount += 1;
    }
    return bytes;
  }
}

function validNodeId(nodeId: number): boolean {
  return Number.isInteger(nodeId) && nodeId >= MIN_NODE_ID && nodeId <= MAX_NODE_ID;
}
