// A LAN host's side of the traffic (run inside its namespace: `node --import tsx
// flow-client-main.ts '<ClientConfig JSON>'`): many long-lived TCP and UDP flows to the gateway,
// optionally one FTP session, and a TCP service the outside must not reach. Prints
// {"event":"ready"} once every flow has had an echo, then {"event":"live",…} every 250 ms.
// SIGHUP arms a pending FTP transfer (PORT answered, no RETR: {"event":"armed"} once the server
// said 200); SIGUSR2 completes it if armed, then runs a second, finite FTP transfer; SIGTERM
// writes the ClientResult and exits. (SIGHUP: no terminal sends it here, and Node reserves
// SIGUSR1 for its inspector.)
import { writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { FlowRecorder, now } from './flow-recorder.js';
import { openFtpSession, type FtpSession } from './ftp-client.js';
import type { ClientConfig, ClientResult, TrafficEvent } from './results.js';
import { openTcpFlow, type RunningFlow } from './tcp-flow.js';
import { openUdpFlow } from './udp-flow.js';

const config = JSON.parse(process.argv[2] ?? '{}') as ClientConfig;
const emit = (event: TrafficEvent): void => void process.stdout.write(`${JSON.stringify(event)}\n`);
const recorders: FlowRecorder[] = [];
const running: RunningFlow[] = [];
const lateTransfers: ClientResult['ftpLateTransfers'][number][] = [];
const pendingTransfers: ClientResult['ftpPendingTransfers'][number][] = [];
let armedAt: number | undefined;
/** FTP transfers one at a time: the server keeps only the last PORT's address, so a PORT sent
 *  while another transfer waits for its data connection would redirect that one. */
let ftpQueue: Promise<void> = Promise.resolve();
const serially = (task: () => Promise<void>): void => void (ftpQueue = ftpQueue.then(task));
let ftp: FtpSession | undefined;
const LIVE_WINDOW_MS = Math.max(1000, config.intervalMs * 5);

async function openTcpFlows(): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < config.tcpFlows) {
      const i = next++;
      const localPort = config.tcpLocalPorts[i];
      const rec = new FlowRecorder(config.firstFlowId + i, 'tcp', config.host, localPort !== undefined);
      recorders.push(rec);
      running.push(
        await openTcpFlow(rec, {
          server: config.server,
          port: config.tcpPort,
          ...(localPort === undefined ? {} : { localPort }),
          intervalMs: config.intervalMs,
          connectTimeoutMs: 10_000,
        }),
      );
    }
  };
  await Promise.all(Array.from({ length: config.connectConcurrency }, worker));
}

async function openUdpFlows(): Promise<void> {
  for (let i = 0; i < config.udpFlows; i++) {
    const localPort = config.udpLocalPorts[i];
    const rec = new FlowRecorder(config.firstFlowId + config.tcpFlows + i, 'udp', config.host, localPort !== undefined);
    recorders.push(rec);
    running.push(await openUdpFlow(rec, { server: config.server, port: config.udpPort, ...(localPort === undefined ? {} : { localPort }), intervalMs: config.intervalMs }));
  }
}

async function main(): Promise<void> {
  if (config.lanServicePort !== undefined) {
    const service = createServer((socket) => socket.end('lan service\n'));
    await new Promise<void>((resolve) => service.listen(config.lanServicePort, '0.0.0.0', resolve));
  }
  await openTcpFlows();
  await openUdpFlows();
  if (config.ftp) {
    const id = config.firstFlowId + config.tcpFlows + config.udpFlows;
    const control = new FlowRecorder(id, 'ftp-control', config.host, false);
    const data = new FlowRecorder(id + 1, 'ftp-data', config.host, false);
    recorders.push(control, data);
    ftp = await openFtpSession(control, data, { server: config.server, port: config.ftpPort, localAddress: config.localAddress, intervalMs: config.intervalMs });
    running.push(ftp);
  }
  const started = now();
  const waitAll = setInterval(() => {
    if (recorders.every((r) => r.echoes.length > 0)) {
      clearInterval(waitAll);
      emit({ event: 'ready' });
      setInterval(() => {
        const at = now();
        emit({ event: 'live', at, live: recorders.filter((r) => r.isLive(at, LIVE_WINDOW_MS)).length, total: recorders.length });
      }, 250);
    } else if (now() - started > 30_000) {
      const silent = recorders.filter((r) => r.echoes.length === 0).map((r) => `${r.kind} ${r.flowId}`);
      emit({ event: 'error', message: `${config.host}: no echo after 30 s on ${silent.length} flows (${silent.slice(0, 5).join(', ')}…)` });
      clearInterval(waitAll);
    }
  }, 50);
}

process.on('SIGHUP', () => {
  if (ftp === undefined) return emit({ event: 'error', message: `${config.host}: no FTP session to arm a transfer on` });
  const session = ftp;
  serially(() =>
    session.armTransfer().then(
      () => emit({ event: 'armed', at: (armedAt = now()) }),
      (err: Error) => emit({ event: 'error', message: `${config.host}: arming an FTP transfer: ${err.message}` }),
    ),
  );
});

process.on('SIGUSR2', () => {
  const at = now();
  if (ftp === undefined) return void lateTransfers.push({ at, ok: false, detail: 'no FTP session on this host' });
  const session = ftp;
  serially(async () => {
    // recorded as unfinished first: a transfer still waiting when SIGTERM comes is a failure,
    // not a transfer never tried
    const unfinished = { at, ok: false, detail: 'unfinished when the client stopped' };
    const armed = armedAt;
    armedAt = undefined;
    if (armed !== undefined) {
      const i = pendingTransfers.push({ armedAt: armed, ...unfinished }) - 1;
      const pending = await session.pendingTransfer(16_384, 5000);
      if (pending !== undefined) pendingTransfers[i] = { armedAt: armed, at, ...pending };
    }
    const j = lateTransfers.push(unfinished) - 1;
    lateTransfers[j] = { at, ...(await session.lateTransfer(16_384, 5000)) };
  });
});

process.on('SIGTERM', () => {
  const result: ClientResult = { host: config.host, flows: recorders.map((r) => r.toRecord()), ftpLateTransfers: lateTransfers, ftpPendingTransfers: pendingTransfers };
  writeFileSync(config.resultFile, JSON.stringify(result));
  emit({ event: 'done' });
  process.exit(0);
});

main().catch((err: Error) => {
  emit({ event: 'error', message: `${config.host}: ${err.message}` });
});
