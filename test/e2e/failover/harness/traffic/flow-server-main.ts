// The gateway's side of the traffic (run inside its namespace: `node --import tsx
// flow-server-main.ts '<ServerConfig JSON>'`): a TCP echo server, a UDP echo server and the FTP
// server, recording where every flow comes from after NAT. Prints {"event":"ready"} once
// listening; on SIGTERM writes its ServerResult to config.resultFile and exits.
import { createSocket } from 'node:dgram';
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { decodeFrame, FrameSplitter } from './frame.js';
import { FlowViews } from './flow-views.js';
import { startFtpServer } from './ftp-server.js';
import type { ServerConfig, ServerResult, TrafficEvent } from './results.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ServerConfig;
const views = new FlowViews();
const portCommands: ServerResult['ftpPortCommands'][number][] = [];
let ftpDataConnections = 0;
const emit = (event: TrafficEvent): void => void process.stdout.write(`${JSON.stringify(event)}\n`);

const tcp = createServer((socket) => {
  socket.setNoDelay(true);
  const splitter = new FrameSplitter();
  let seen = false;
  socket.on('error', () => undefined);
  socket.on('data', (chunk: Buffer) => {
    const frames = splitter.push(chunk);
    if (!seen && frames[0] !== undefined) {
      const decoded = decodeFrame(frames[0]);
      if (decoded.ok) views.see(decoded.frame.flowId, 'tcp', socket.remoteAddress ?? '', socket.remotePort ?? 0);
      seen = true;
    }
    if (frames.length > 0) socket.write(frames.length === 1 ? (frames[0] as Buffer) : Buffer.concat(frames));
  });
});
tcp.maxConnections = 100_000;

const udp = createSocket({ type: 'udp4', recvBufferSize: 8 << 20 });
udp.on('message', (msg, rinfo) => {
  const decoded = decodeFrame(msg);
  if (!decoded.ok) return;
  views.see(decoded.frame.flowId, 'udp', rinfo.address, rinfo.port);
  udp.send(msg, rinfo.port, rinfo.address);
});

async function main(): Promise<void> {
  await new Promise<void>((resolve) => tcp.listen({ port: config.tcpPort, host: '0.0.0.0', backlog: 4096 }, resolve));
  await new Promise<void>((resolve) => udp.bind(config.udpPort, '0.0.0.0', resolve));
  await startFtpServer({
    port: config.ftpPort,
    dataIntervalMs: config.ftpDataIntervalMs,
    views,
    portCommands,
    onDataConnection: () => ftpDataConnections++,
  });
  emit({ event: 'ready' });
}

process.on('SIGTERM', () => {
  const result: ServerResult = { flows: views.list(), ftpPortCommands: portCommands, ftpDataConnections };
  writeFileSync(config.resultFile, JSON.stringify(result));
  emit({ event: 'done' });
  process.exit(0);
});

main().catch((err: Error) => {
  emit({ event: 'error', message: err.message });
  process.exit(1);
});
