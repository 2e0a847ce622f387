// A minimal FTP server for the failover scenario (RFC 959): USER/PASS/TYPE/PORT/RETR/NOOP/QUIT,
// active mode only. `RETR stream` opens the data connection to the PORT address and sends a
// frame every interval until the client closes it; `RETR file-N` sends N bytes and closes, then
// answers 226. The USER name carries the client's control flow id ("flow-17"); its data flow
// is the next id.
import { connect, createServer, type Server, type Socket } from 'node:net';
import { encodeFrame } from './frame.js';
import { now } from './flow-recorder.js';
import { parsePortArgument } from './ftp-commands.js';
import type { FlowViews } from './flow-views.js';

export interface FtpServerOptions {
  readonly port: number;
  readonly dataIntervalMs: number;
  readonly views: FlowViews;
  readonly portCommands: { at: number; address: string; port: number }[];
  readonly onDataConnection: () => void;
}

export function startFtpServer(options: FtpServerOptions): Promise<Server> {
  const server = createServer((control) => session(control, options));
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, '0.0.0.0', () => resolve(server));
  });
}

function session(control: Socket, options: FtpServerOptions): void {
  control.setNoDelay(true);
  control.setEncoding('latin1');
  control.on('error', () => undefined);
  const say = (line: string): void => {
    if (!control.destroyed) control.write(`${line}\r\n`);
  };
  let target: { address: string; port: number } | undefined;
  let flowId: number | undefined;
  let buffered = '';
  const timers = new Set<NodeJS.Timeout>();
  control.on('close', () => timers.forEach(clearInterval));
  say('220 failover scenario FTP');
  control.on('data', (text: string) => {
    buffered += text;
    for (let nl = buffered.indexOf('\r\n'); nl >= 0; nl = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      const [verb = '', ...rest] = line.split(' ');
      const argument = rest.join(' ');
      switch (verb.toUpperCase()) {
        case 'USER': {
          const id = /^flow-(\d+)$/.exec(argument);
          if (id?.[1] !== undefined) {
            flowId = Number(id[1]);
            options.views.see(flowId, 'ftp-control', control.remoteAddress ?? '', control.remotePort ?? 0);
          }
          say('331 any password');
          break;
        }
        case 'PASS': say('230 logged in'); break;
        case 'TYPE': say('200 type set'); break;
        case 'NOOP': say('200 NOOP ok'); break;
        case 'QUIT': say('221 bye'); control.end(); break;
        case 'PORT': {
          target = parsePortArgument(argument);
          if (target === undefined) say('501 bad PORT argument');
          else {
            options.portCommands.push({ at: now(), ...target });
            say('200 PORT ok');
          }
          break;
        }
        case 'RETR': {
          if (target === undefined) {
            say('503 PORT first');
            break;
          }
          say('150 opening data connection');
          const to = target;
          const data = connect({ host: to.address, port: to.port, noDelay: true });
          data.on('error', () => say('426 data connection failed'));
          data.once('connect', () => {
            options.onDataConnection();
            const size = /^file-(\d+)$/.exec(argument)?.[1];
            if (size !== undefined) {
              data.end(Buffer.alloc(Number(size), 0x2e), () => say('226 transfer complete'));
              return;
            }
            // the data flow's id follows its control flow's; its "source" is where it was sent
            if (flowId !== undefined) options.views.see(flowId + 1, 'ftp-data', to.address, to.port);
            let seq = 0;
            const timer = setInterval(() => data.write(encodeFrame({ kind: 'ftp-data', flowId: 0, seq: seq++, sentAt: now() })), options.dataIntervalMs);
            timers.add(timer);
            data.on('close', () => {
              clearInterval(timer);
              timers.delete(timer);
            });
          });
          break;
        }
        default: say(`502 not implemented: ${JSON.stringify(line)}`);
      }
    }
  });
}
