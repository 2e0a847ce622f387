// One UDP flow of the traffic generator: a connected datagram socket that sends a frame every
// interval; an echo counts when it equals a frame sent on this flow (datagrams may be lost, or
// duplicated: a second echo of the same frame is counted apart, not as damage).
import { createSocket } from 'node:dgram';
import { decodeFrame, encodeFrame } from './frame.js';
import { now, type FlowRecorder } from './flow-recorder.js';
import type { RunningFlow } from './tcp-flow.js';

export interface UdpFlowOptions {
  readonly server: string;
  readonly port: number;
  readonly localPort?: number;
  readonly intervalMs: number;
}

/** How many unanswered frames a flow remembers (older ones count as lost). */
const REMEMBERED = 256;

export function openUdpFlow(rec: FlowRecorder, options: UdpFlowOptions): Promise<RunningFlow> {
  return new Promise((resolve, reject) => {
    const socket = createSocket({ type: 'udp4' });
    const outstanding = new Map<number, Buffer>();
    const echoed = new Set<number>();
    let timer: NodeJS.Timeout | undefined;
    let phase: NodeJS.Timeout | undefined;

    socket.on('message', (msg) => {
      const at = now();
      const decoded = decodeFrame(msg);
      if (!decoded.ok) return rec.bad(at, decoded.reason);
      const { flowId, seq } = decoded.frame;
      if (flowId !== rec.flowId) return rec.bad(at, `echo of flow ${flowId}`);
      const expected = outstanding.get(seq);
      if (expected !== undefined && expected.equals(msg)) {
        outstanding.delete(seq);
        echoed.add(seq);
        echoed.delete(seq - REMEMBERED);
        rec.echo(at);
      } else if (echoed.has(seq)) {
        rec.duplicates++; // the network may duplicate a datagram: not damage
      } else {
        rec.bad(at, expected === undefined ? `echo of frame ${seq}, never sent or long forgotten` : `echo of frame ${seq} differs from what was sent`);
      }
    });
    // ICMP errors (e.g. port unreachable while no firewall forwards) surface as send errors
    socket.on('error', (err: NodeJS.ErrnoException) => rec.error(err.code ?? err.message));
    const send = (): void => {
      const seq = rec.sent++;
      const frame = encodeFrame({ kind: 'udp', flowId: rec.flowId, seq, sentAt: now() });
      outstanding.set(seq, frame);
      outstanding.delete(seq - REMEMBERED);
      socket.send(frame, (err) => {
        if (err) rec.error((err as NodeJS.ErrnoException).code ?? err.message);
      });
    };
    socket.bind(options.localPort ?? 0, () => {
      socket.connect(options.port, options.server, (err?: Error) => {
        if (err) {
          reject(new Error(`UDP flow ${rec.flowId} (${rec.host}) could not connect: ${err.message}`));
          return;
        }
        rec.localPort = socket.address().port;
        phase = setTimeout(() => {
          send();
          timer = setInterval(send, options.intervalMs);
        }, Math.random() * options.intervalMs);
        resolve({
          stop() {
            clearTimeout(phase);
            clearInterval(timer);
            socket.close();
          },
        });
      });
    });
  });
}
