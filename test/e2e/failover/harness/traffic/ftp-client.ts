// A minimal active-mode FTP client (RFC 959 §4.1, §5.3): the control connection sends a NOOP
// every interval (each "200" reply is that flow's echo) while one RETR streams frames over a data
// connection that the server opened back through the firewall (PORT, rewritten by the NAT
// helper, accepted as RELATED). `lateTransfer()` asks for a second, finite transfer: it needs the
// helper on whichever firewall is active at that moment. `armTransfer()` sends a PORT and waits
// for its "200" without asking for the file: the helper on the active firewall has made the
// expectation the data connection will need, and it stays pending until `pendingTransfer()`
// sends the RETR (after a switch: only a replicated expectation lets that connection in).
import { connect, createServer, type Server, type Socket } from 'node:net';
import { decodeFrame, FrameSplitter } from './frame.js';
import { now, type FlowRecorder } from './flow-recorder.js';
import type { RunningFlow } from './tcp-flow.js';
import { portCommand } from './ftp-commands.js';

export interface FtpClientOptions {
  readonly server: string;
  readonly port: number;
  readonly localAddress: string;
  readonly intervalMs: number;
}

export interface TransferOutcome {
  readonly ok: boolean;
  readonly detail: string;
}

export interface FtpSession extends RunningFlow {
  lateTransfer(bytes: number, timeoutMs: number): Promise<TransferOutcome>;
  /** PORT answered, no RETR yet; resolves once the server said 200 (one armed at a time). */
  armTransfer(): Promise<void>;
  /** RETR on the armed PORT; undefined when none was armed. */
  pendingTransfer(bytes: number, timeoutMs: number): Promise<TransferOutcome | undefined>;
}

export async function openFtpSession(control: FlowRecorder, data: FlowRecorder, options: FtpClientOptions): Promise<FtpSession> {
  const socket = connect({ host: options.server, port: options.port, noDelay: true });
  await new Promise<void>((resolve, reject) => {
    socket.once('connect', resolve);
    socket.once('error', reject);
  });
  control.localPort = socket.localPort ?? 0;
  const waiting: ((line: string) => void)[] = [];
  const completions: ((line: string) => void)[] = [];
  let buffered = '';
  socket.setEncoding('latin1');
  socket.on('data', (text: string) => {
    buffered += text;
    for (let nl = buffered.indexOf('\r\n'); nl >= 0; nl = buffered.indexOf('\r\n')) {
      const line = buffered.slice(0, nl);
      buffered = buffered.slice(nl + 2);
      // transfer results arrive whenever a transfer ends, between other replies
      const route = /^(226|426|425)/.test(line) ? completions : waiting;
      route.shift()?.(line);
    }
  });
  socket.on('error', (err: NodeJS.ErrnoException) => control.error(err.code ?? err.message));
  socket.on('close', () => control.error('closed'));
  const reply = (): Promise<string> => new Promise((resolve) => waiting.push(resolve));
  const command = (line: string): Promise<string> => {
    const answer = reply();
    socket.write(`${line}\r\n`);
    return answer;
  };
  const expect = async (answer: Promise<string>, code: string): Promise<void> => {
    const line = await answer;
    if (!line.startsWith(code)) throw new Error(`FTP: expected ${code}, got "${line}"`);
  };

  await expect(reply(), '220');
  await expect(command(`USER flow-${control.flowId}`), '331');
  await expect(command('PASS half'), '230');
  await expect(command('TYPE I'), '200');

  interface Armed {
    readonly listener: Server;
    readonly accepted: Promise<Socket>;
  }
  /** A data listener and the PORT naming it, answered. */
  const port = async (): Promise<Armed> => {
    const listener = createServer();
    await new Promise<void>((resolve) => listener.listen(0, '0.0.0.0', resolve));
    const address = listener.address();
    if (address === null || typeof address === 'string') throw new Error('FTP: data listener has no port');
    const accepted = new Promise<Socket>((resolve) => listener.once('connection', resolve));
    await expect(command(portCommand(options.localAddress, address.port)), '200');
    return { listener, accepted };
  };
  /** RETR on an answered PORT; resolves with the accepted data connection. */
  const retrieve = async (armed: Armed, name: string): Promise<{ socket: Socket; listener: Server }> => {
    await expect(command(`RETR ${name}`), '150');
    return { socket: await armed.accepted, listener: armed.listener };
  };
  const transfer = async (name: string): Promise<{ socket: Socket; listener: Server }> => retrieve(await port(), name);
  let armed: Armed | undefined;

  /** A finite transfer of `bytes` (RETR file-N) on the PORT `arm` answers. */
  const finite = async (bytes: number, timeoutMs: number, arm: () => Promise<Armed>): Promise<TransferOutcome> => {
    let completed: ((line: string) => void) | undefined;
    const done = new Promise<string>((resolve) => completions.push((completed = resolve)));
    let timeout: NodeJS.Timeout | undefined;
    const late = new Promise<never>((_, reject) => (timeout = setTimeout(() => reject(new Error(`no data connection within ${timeoutMs} ms`)), timeoutMs)));
    let on: Armed | undefined;
    try {
      on = await Promise.race([arm(), late]);
      const { socket: dataSocket, listener } = await Promise.race([retrieve(on, `file-${bytes}`), late]);
      let received = 0;
      dataSocket.on('data', (chunk: Buffer) => (received += chunk.length));
      await Promise.race([new Promise((resolve) => dataSocket.once('close', resolve)), late]);
      listener.close();
      const result = await Promise.race([done, late]);
      return { ok: received === bytes && result.startsWith('226'), detail: `${received} of ${bytes} bytes, "${result}"` };
    } catch (err) {
      // a transfer that never completed must not take the next one's 226
      const waiting = completions.indexOf(completed as (line: string) => void);
      if (waiting >= 0) completions.splice(waiting, 1);
      // a data connection that comes after all is taken and read to its end, not refused: a
      // refusal would be an RST at the server that no firewall caused
      const given = on;
      void given?.accepted.then((socket) => {
        socket.resume();
        given.listener.close();
      });
      return { ok: false, detail: (err as Error).message };
    } finally {
      clearTimeout(timeout);
    }
  };

  const stream = await transfer('stream');
  data.localPort = stream.socket.localPort ?? 0;
  const splitter = new FrameSplitter();
  let nextSeq = 0;
  stream.socket.on('data', (chunk: Buffer) => {
    const at = now();
    for (const bytes of splitter.push(chunk)) {
      const decoded = decodeFrame(bytes);
      if (decoded.ok && decoded.frame.kind === 'ftp-data' && decoded.frame.seq === nextSeq) data.echo(at);
      else data.bad(at, decoded.ok ? `frame ${decoded.frame.seq}, expected ${nextSeq}` : decoded.reason);
      nextSeq = decoded.ok ? decoded.frame.seq + 1 : nextSeq;
    }
  });
  stream.socket.on('error', (err: NodeJS.ErrnoException) => data.error(err.code ?? err.message));
  stream.socket.on('close', () => data.error('closed'));

  const noop = (): void => {
    control.sent++;
    command('NOOP').then((line) => (line.startsWith('200') ? control.echo(now()) : control.bad(now(), line)), () => undefined);
  };
  const timer = setInterval(noop, options.intervalMs);

  return {
    stop() {
      clearInterval(timer);
      socket.removeAllListeners('close');
      stream.socket.removeAllListeners('close');
      stream.socket.destroy();
      stream.listener.close();
      socket.destroy();
    },
    lateTransfer: (bytes, timeoutMs) => finite(bytes, timeoutMs, port),
    async armTransfer() {
      if (armed !== undefined) throw new Error('FTP: a transfer is armed already');
      armed = await port();
    },
    async pendingTransfer(bytes, timeoutMs) {
      const on = armed;
      armed = undefined;
      if (on === undefined) return undefined;
      return finite(bytes, timeoutMs, () => Promise.resolve(on));
    },
  };
}
