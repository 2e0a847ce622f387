// The client's typed errors, each provoked for real on a unix socket: no socket file, a stale
// socket nobody listens on, a server that never answers, one that answers garbage or hangs up,
// one that never accepts (its queue full), one at its connection limit, and a daemon that
// refuses the command.
import { mkdtemp, rm } from 'node:fs/promises';
import { connect, createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CliExit, exitCodeFor } from '../../../daemon/src/cli/exit-codes.js';
import { sendControlRequest } from '../../../daemon/src/control/control-client.js';
import { ControlServer } from '../../../daemon/src/control/control-server.js';
import { ControlCommandError, ControlProtocolError, ControlReplyError, DaemonUnavailableError } from '../../../daemon/src/control/errors.js';
import { RecordingHandler } from './fixtures/sample-status.js';
import { stuckSocket } from './fixtures/stuck-socket.js';

function fakeServer(path: string, onData: (socket: import('node:net').Socket, data: Buffer) => void): Promise<Server> {
  return new Promise((resolve) => {
    const server = createServer((socket) => socket.on('data', (data) => onData(socket, data)));
    server.listen(path, () => resolve(server));
  });
}

describe('sendControlRequest', () => {
  let dir: string;
  const servers: Server[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-cli-'));
  });

  afterAll(async () => {
    for (const server of servers) server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('says the daemon is not running when the socket does not exist', async () => {
    const error = await sendControlRequest(join(dir, 'missing.sock'), { cmd: 'status' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DaemonUnavailableError);
    expect(error).toMatchObject({ reason: 'absent' });
    expect((error as Error).message).toBe(`half-syncd is not running: its control socket ${join(dir, 'missing.sock')} does not exist`);
    expect((error as DaemonUnavailableError).hint).toMatch(/systemctl start half-syncd/);
  });

  it('takes a path that reads as a TCP port as a path, never as localhost:PORT', async () => {
    let reached = false;
    const tcp = createServer((socket) => {
      reached = true;
      socket.destroy();
    });
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    servers.push(tcp);
    const port = String((tcp.address() as import('node:net').AddressInfo).port);
    const error = await sendControlRequest(port, { cmd: 'status' }).catch((e: unknown) => e);
    expect(error).toMatchObject({ reason: 'absent' }); // no file of that name here
    expect(reached).toBe(false);
  });

  it('says so too when a stale socket is left and nobody listens', async () => {
    const path = join(dir, 'stale.sock');
    const server = new ControlServer(new RecordingHandler(), { path });
    await server.listen();
    await new Promise<void>((resolve) => (server as unknown as { server: Server }).server.close(() => resolve()));
    await expect(sendControlRequest(path, { cmd: 'status' })).rejects.toMatchObject({ reason: 'refused', message: `half-syncd is not running: nothing listens on ${path}` });
  });

  it('gives up on a server that never answers', async () => {
    const path = join(dir, 'mute.sock');
    servers.push(await fakeServer(path, () => undefined));
    await expect(sendControlRequest(path, { cmd: 'status' }, { timeoutMs: 200 })).rejects.toMatchObject({ name: 'DaemonUnavailableError', reason: 'timeout' });
  });

  it('gives up on a server that trickles its answer a byte at a time, at the deadline', async () => {
    const path = join(dir, 'trickle.sock');
    const timers: NodeJS.Timeout[] = [];
    servers.push(await fakeServer(path, (socket) => timers.push(setInterval(() => socket.writable && socket.write('{'), 50))));
    const started = performance.now();
    await expect(sendControlRequest(path, { cmd: 'status' }, { timeoutMs: 300 })).rejects.toMatchObject({ name: 'DaemonUnavailableError', reason: 'timeout' });
    expect(performance.now() - started).toBeLessThan(2000);
    for (const timer of timers) clearInterval(timer);
  });

  it('reports a server that hangs up without an answer', async () => {
    const path = join(dir, 'rude.sock');
    servers.push(await fakeServer(path, (socket) => socket.destroy()));
    await expect(sendControlRequest(path, { cmd: 'status' })).rejects.toMatchObject({ name: 'DaemonUnavailableError', reason: 'closed' });
  });

  it('reports an answer that does not decode', async () => {
    const path = join(dir, 'garbage.sock');
    servers.push(await fakeServer(path, (socket) => socket.write('{"v":3,"ok":true}\n')));
    const error = await sendControlRequest(path, { cmd: 'status' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ControlProtocolError);
    expect((error as Error).message).toMatch(/does not decode: the reply has protocol version 3/);
  });

  it('says a daemon whose socket queue is full takes no connections (exit 3), not that it refused (5)', async () => {
    const path = join(dir, 'stuck.sock');
    const stuck = await stuckSocket(path);
    try {
      const error = await sendControlRequest(path, { cmd: 'status' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DaemonUnavailableError);
      expect(error).toMatchObject({ reason: 'not-accepting', message: `half-syncd is not accepting connections on ${path}: its queue of waiting connections is full` });
      expect((error as DaemonUnavailableError).hint).toMatch(/stuck.*systemctl status half-syncd/);
      expect(exitCodeFor(error)).toBe(CliExit.daemonUnavailable);
    } finally {
      stuck.close();
    }
  });

  it('takes the daemon\'s `busy` at its connection limit as no answer now (exit 3), keeping its words', async () => {
    const path = join(dir, 'full.sock');
    const server = new ControlServer(new RecordingHandler(), { path, maxConnections: 1 });
    await server.listen();
    const holder = connect({ path });
    try {
      // the one connection served: answered once, then kept open
      await new Promise<void>((resolve) => {
        holder.once('data', () => resolve());
        holder.write('{"v":1,"id":1,"cmd":"status"}\n');
      });
      const error = await sendControlRequest(path, { cmd: 'commit' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(DaemonUnavailableError);
      expect(error).toMatchObject({ reason: 'busy', message: `half-syncd on ${path} is busy: it serves as many control connections as it takes` });
      expect(((error as Error).cause as Error).message).toMatch(/too many control connections \(1\)/);
      expect(exitCodeFor(error)).toBe(CliExit.daemonUnavailable);
    } finally {
      holder.destroy();
      await server.close();
    }
  });

  it('turns a refusal into ControlReplyError with the daemon\'s fix', async () => {
    const path = join(dir, 'real.sock');
    const handler = new RecordingHandler();
    handler.failWith = new ControlCommandError('commit-running', 'a commit is already running', { hint: 'wait for it to finish' });
    const server = new ControlServer(handler, { path });
    await server.listen();
    try {
      const error = await sendControlRequest(path, { cmd: 'commit' }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ControlReplyError);
      expect(error).toMatchObject({ code: 'commit-running', message: 'half-syncd refused: a commit is already running (commit-running)', hint: 'wait for it to finish' });
    } finally {
      await server.close();
    }
  });
});
