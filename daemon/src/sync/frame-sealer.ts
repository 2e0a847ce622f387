// Our sending identity on the wire: cluster, node id and boot epoch in every header, and the
// frame counter that makes each frame's nonce unique (one per transmission, resends included).
import { sealBody } from '../wire/frame-codec.js';
import { WIRE_VERSION } from '../wire/frame-header.js';
import type { FrameKeys } from '../wire/keys.js';
import type { SyncCounters } from './counters.js';

export class FrameSealer {
  private counter = 0;

  constructor(
    private readonly keys: FrameKeys,
    private readonly nodeId: number,
    private readonly bootEpoch: number,
    private readonly counters: SyncCounters,
  ) {}

  seal(seq: number, body: Uint8Array, flags = 0): Buffer {
    const frame = sealBody(this.keys, {
      version: WIRE_VERSION,
      flags,
      clusterId: this.keys.clusterId,
      nodeId: this.nodeId,
      bootEpoch: this.bootEpoch,
      seq,
      counter: this.counter++,
    }, body);
    this.counters.framesSent++;
    this.counters.bytesSent += frame.length;
    return frame;
  }
}
