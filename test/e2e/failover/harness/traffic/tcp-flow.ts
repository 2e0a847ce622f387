// One long-lived TCP flow of the traffic generator: sends a frame every interval and checks
// that each echo equals, byte for byte, the oldest frame not yet echoed.
import { connect, type Socket } from 'node:net';
import { encodeFrame, FrameSplitter } from './frame.js';
import { now, type FlowRecorder } from './flow-recorder.js';

export interface TcpFlowOptions {
  readonly server: string;
  readonly port: number;
  /** Bind this local port (a colliding flow); otherwise an ephemeral one. */
  readonly localPort?: number;
  readonly intervalMs: number;
  readonly connectTimeoutMs: number;
}

export interface RunningFlow {
  stop(): void;
}

/** Resolves once connected (the first frame goes out at a random phase of the interval). */
export function openTcpFlow(rec: FlowRecorder, options: TcpFlowOptions): Promise<RunningFlow> {
  return new Promise((resolve, reject) => {
    const socket: Socket = connect({
      host: options.server,
      port: options.port,
      ...(options.localPort === undefined ? {} : { localPort: options.localPort }),
      noDelay: true,
    });
    const outstanding: Buffer[] = [];
    const splitter = new FrameSplitter();
    let timer: NodeJS.Timeout | undefined;
    let connected = false;
    const connectTimer = setTimeout(() => socket.destroy(new Error(`connect timed out after ${options.connectTimeoutMs} ms`)), options.connectTimeoutMs);

    socket.on('data', (chunk: Buffer) => {
      const at = now();
      for (const frame of splitter.push(chunk)) {
        const expected = outstanding.shift();
        if (expected !== undefined && expected.equals(frame)) rec.echo(at);
        else rec.bad(at, 'echo differs from the oldest frame sent');
      }
    });
    socket.on('error', (err: NodeJS.ErrnoException) => {
      rec.error(err.code ?? err.message);
      if (!connected) {
        clearTimeout(connectTimer);
        reject(new Error(`TCP flow ${rec.flowId} (${rec.host}) could not connect to ${options.server}:${options.port}: ${err.message}`));
      }
    });
    socket.on('close', () => {
      clearInterval(timer);
      if (connected) rec.error('closed');
    });
    socket.once('connect', () => {
      connected = true;
      clearTimeout(connectTimer);
      rec.localPort = socket.localPort ?? 0;
      const send = (): void => {
        const frame = encodeFrame({ kind: 'tcp', flowId: rec.flowId, seq: rec.sent++, sentAt: now() });
        outstanding.push(frame);
        socket.write(frame);
      };
      const phase = setTimeout(() => {
        send();
        timer = setInterval(send, options.intervalMs);
      }, Math.random() * options.intervalMs);
      resolve({
        stop() {
          clearTimeout(phase);
          clearInterval(timer);
          socket.removeAllListeners('close');
          socket.end();
        },
      });
    });
  });
}
