// The control server on a real unix socket in a temporary directory, with a recording handler:
// mode 0600, answers in order, structured errors for every kind of garbage (bad JSON, binary
// noise, unknown commands, endless lines, too many connections, failing handlers), all counted,
// and still serving afterwards.
import { lstat, mkdtemp, rm, writeFile, readFile } from 'node:fs/promises';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { sendControlRequest } from '../../../daemon/src/control/control-client.js';
import { ControlServer } from '../../../daemon/src/control/control-server.js';
import { ControlCommandError } from '../../../daemon/src/control/errors.js';
import { MAX_REQUEST_BYTES } from '../../../daemon/src/control/protocol.js';
import { SocketBusyError, SocketPathError } from '../../../daemon/src/control/socket-file.js';
import { CONTROL_SOCKET_MAX_BYTES } from '../../../daemon/src/config/validate-daemon.js';
import { DaemonExit } from '../../../daemon/src/errors.js';
import { exitStatusFor } from '../../../daemon/src/runtime/run-syncd.js';
import { Prng } from '../../../daemon/src/channel/prng.js';
import { codes, rawExchange } from './fixtures/raw-client.js';
import { RecordingHandler } from './fixtures/sample-status.js';

describe('ControlServer', () => {
  let dir: string;
  let path: string;
  let handler: RecordingHandler;
  let server: ControlServer;

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-ctl-'));
    path = join(dir, 'run', 'half.sock');
    handler = new RecordingHandler();
    server = new ControlServer(handler, { path });
    await server.listen();
  });

  afterEach(async () => {
    await server.close();
    await rm(dir, { recursive: true, force: true });
  });

  it('creates the socket with mode 0600 and removes it on close', async () => {
    const info = await lstat(path);
    expect(info.isSocket()).toBe(true);
    expect(info.mode & 0o777).toBe(0o600);
    await server.close();
    await expect(lstat(path)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('answers every command through the handler', async () => {
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
    expect(await sendControlRequest(path, { cmd: 'commit' })).toMatchObject({ entries: 10 });
    expect(await sendControlRequest(path, { cmd: 'flush', target: 'external' })).toEqual({ target: 'external', internal: 0, external: 7 });
    expect(await sendControlRequest(path, { cmd: 'resync', source: 'kernel' })).toEqual({ source: 'kernel', count: 99 });
    expect(await sendControlRequest(path, { cmd: 'notify', event: { type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 } })).toEqual({ accepted: true });
    expect(handler.calls).toEqual(['status', 'commit', 'flush external', 'resync kernel', 'notify GROUP HALF MASTER 0']);
    expect(server.counters.commands).toEqual({ status: 1, commit: 1, flush: 1, resync: 1, notify: 1 });
  });

  it('answers pipelined requests in order, including after the client half-closes', async () => {
    const requests = Array.from({ length: 20 }, (_, i) => `{"v":1,"id":${i},"cmd":"${i % 2 === 0 ? 'status' : 'resync'}"}\n`).join('');
    const reply = await rawExchange(path, [requests], { end: true });
    expect(reply.closed).toBe(true);
    expect(reply.lines.map((line) => (JSON.parse(line) as { id: number }).id)).toEqual(Array.from({ length: 20 }, (_, i) => i));
  });

  it('answers a last request that ends without its newline when the client half-closes', async () => {
    const reply = await rawExchange(path, ['{"v":1,"id":1,"cmd":"status"}\n{"v":1,"id":2,"cmd":"resync"}'], { end: true });
    expect(reply.closed).toBe(true);
    expect(reply.lines.map((line) => (JSON.parse(line) as { id: number; ok: boolean }).id)).toEqual([1, 2]);
    expect(handler.calls).toEqual(['status', 'resync peers']);
  });

  it('answers a flood of pipelined requests up to the limit, then busy, and closes', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxPipelined: 5 });
    await server.listen();
    const flood = Array.from({ length: 50 }, (_, i) => `{"v":1,"id":${i},"cmd":"status"}\n`).join('');
    const reply = await rawExchange(path, [flood]);
    expect(reply.closed).toBe(true);
    expect(codes(reply.lines)).toEqual(['ok', 'ok', 'ok', 'ok', 'ok', 'busy']);
    expect(JSON.parse(reply.lines[5] ?? '')).toMatchObject({ error: { message: 'more than 5 requests waiting on one connection' } });
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('stops answering a client that keeps asking but never reads, instead of buffering for it', async () => {
    handler.current = { ...handler.current, padding: 'x'.repeat(20_000) } as typeof handler.current;
    const client = connect(path);
    await new Promise<void>((resolve) => client.once('connect', () => resolve()));
    client.pause(); // never reads: the answers fill both socket buffers, then wait in the server
    let sent = 0;
    await new Promise<void>((resolve) => {
      const timer = setInterval(() => {
        if (sent === 600 || server.counters.errors['busy'] !== undefined) {
          clearInterval(timer);
          resolve();
          return;
        }
        client.write(`{"v":1,"id":${sent++},"cmd":"status"}\n`);
      }, 1);
    });
    client.destroy();
    // a request a millisecond, each answered before the next came: only answers left unread added up
    expect(server.counters.errors['busy']).toBe(1);
    expect(sent).toBeLessThan(600);
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('answers garbage with structured errors, counts them, and keeps serving', async () => {
    const reply = await rawExchange(path, ['not json\n', Buffer.from([0xff, 0xfe, 0x00, 0x0a]), '{"v":1,"cmd":"reboot"}\n', '[]\n', '{"v":7,"cmd":"status"}\n', '\n', '{"v":1,"id":"x","cmd":"status"}\n'], { expectLines: 6 });
    expect(codes(reply.lines)).toEqual(['bad-json', 'bad-json', 'unknown-command', 'bad-request', 'unsupported-version', 'ok']);
    expect(JSON.parse(reply.lines[5] ?? '')).toMatchObject({ v: 1, id: 'x', ok: true });
    expect(server.counters.errors).toEqual({ 'bad-json': 2, 'unknown-command': 1, 'bad-request': 1, 'unsupported-version': 1 });
    expect(server.counters.failed).toBe(5);
    expect(server.flatCounters()).toMatchObject({ 'error.bad-json': 2, 'command.status': 1 });
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('answers a request nested thousands deep, within the limit and past it, and keeps serving (it took the daemon down)', async () => {
    const deep = `{"v":${'['.repeat(5000)}${']'.repeat(5000)}}\n`;
    const reply = await rawExchange(path, [deep, '{"v":1,"cmd":"status"}\n'], { expectLines: 2 });
    expect(codes(reply.lines)).toEqual(['unsupported-version', 'ok']);
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 1 });
    await server.listen();
    const idle = connect(path);
    await new Promise((resolve) => idle.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const past = await rawExchange(path, [deep]);
    expect(codes(past.lines)).toEqual(['busy']);
    idle.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('refuses a line longer than the limit, closes that connection, and keeps serving', async () => {
    const huge = Buffer.alloc(4 * MAX_REQUEST_BYTES, 0x61);
    const reply = await rawExchange(path, [huge, huge, '\n{"v":1,"cmd":"status"}\n']);
    expect(reply.closed).toBe(true);
    expect(codes(reply.lines)).toEqual(['line-too-long']);
    expect(server.counters.errors['line-too-long']).toBe(1);
    expect(handler.calls).toEqual([]);
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('survives random bytes on many connections at once', async () => {
    const prng = new Prng(42);
    const noise = Array.from({ length: 40 }, () => Buffer.from(Array.from({ length: 2000 }, () => (prng.below(10) === 0 ? 0x0a : prng.below(256)))));
    const replies = await Promise.all(noise.map((bytes) => rawExchange(path, [bytes], { end: true })));
    const answered = replies.reduce((n, r) => n + r.lines.length, 0);
    expect(answered).toBeGreaterThan(40);
    for (const reply of replies) for (const code of codes(reply.lines)) expect(['bad-json', 'bad-request', 'unsupported-version', 'unknown-command', 'busy']).toContain(code);
    expect(server.counters.failed).toBe(answered);
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('passes a handler\'s refusal through, answers other failures as internal, and goes on', async () => {
    handler.failWith = new ControlCommandError('not-master', 'commit refused: this node is BACKUP', { hint: 'run it on the MASTER, or pass --force' });
    let reply = await rawExchange(path, ['{"v":1,"id":1,"cmd":"commit"}\n'], { expectLines: 1 });
    expect(JSON.parse(reply.lines[0] ?? '')).toEqual({ v: 1, ok: false, id: 1, error: { code: 'not-master', message: 'commit refused: this node is BACKUP', fix: 'run it on the MASTER, or pass --force' } });
    handler.failWith = new Error('netlink socket closed');
    reply = await rawExchange(path, ['{"v":1,"id":2,"cmd":"flush"}\n'], { expectLines: 1 });
    expect(JSON.parse(reply.lines[0] ?? '')).toMatchObject({ ok: false, error: { code: 'internal', message: 'flush failed: netlink socket closed' } });
    handler.failWith = undefined;
    handler.current = { ...handler.current, schema: 1n } as never; // not JSON-serialisable
    reply = await rawExchange(path, ['{"v":1,"id":3,"cmd":"status"}\n'], { expectLines: 1 });
    expect(codes(reply.lines)).toEqual(['internal']);
    expect(server.counters.errors).toEqual({ 'not-master': 1, internal: 2 });
    expect(await sendControlRequest(path, { cmd: 'resync' , source: 'peers'})).toEqual({ source: 'peers', count: 1 });
  });

  it('keeps counting a connection closed for too many pipelined requests until the requests it queued are answered', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 1, maxPipelined: 2 });
    await server.listen();
    handler.commitDelayMs = 300;
    const flooding = rawExchange(path, ['{"v":1,"id":1,"cmd":"commit"}\n{"v":1,"id":2,"cmd":"commit"}\n{"v":1,"id":3,"cmd":"commit"}\n']);
    await new Promise((resolve) => setTimeout(resolve, 100)); // its first commit runs
    // its two commits still hold the one slot: another client is busy, not served alongside
    expect(codes((await rawExchange(path, ['{"v":1,"cmd":"status"}\n'])).lines)).toEqual(['busy']);
    expect(codes((await flooding).lines)).toEqual(['ok', 'ok', 'busy']);
    expect(handler.calls).toEqual(['commit', 'commit']);
  });

  it('answers connections beyond the limit with busy', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 2 });
    await server.listen();
    const idle = [connect(path), connect(path)];
    await Promise.all(idle.map((s) => new Promise((resolve) => s.once('connect', resolve))));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const reply = await rawExchange(path, ['{"v":1,"cmd":"status"}\n']);
    expect(codes(reply.lines)).toEqual(['busy']);
    for (const socket of idle) socket.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
  });

  it('closes connections that stay silent', async () => {
    await server.close();
    server = new ControlServer(handler, { path, idleTimeoutMs: 100 });
    await server.listen();
    const reply = await rawExchange(path, []);
    expect(reply).toEqual({ lines: [], closed: true });
  });

  it('closes a connection that dribbles bytes or blank lines but completes no request in time, and keeps one silent between requests', async () => {
    await server.close();
    server = new ControlServer(handler, { path, idleTimeoutMs: 1000, requestTimeoutMs: 300 });
    await server.listen();
    const slow = connect(path);
    slow.on('error', () => undefined); // EPIPE once the server closed it
    let closedAt: number | undefined;
    const started = Date.now();
    slow.on('close', () => (closedAt = Date.now() - started));
    const drip = setInterval(() => slow.writable && slow.write(' '), 50); // resets an idle timer, not this one
    try {
      await new Promise((resolve) => setTimeout(resolve, 900));
      expect(closedAt).toBeDefined();
      expect(closedAt as number).toBeLessThan(800);
      expect(server.counters.errors['request-timeout']).toBe(1);
    } finally {
      clearInterval(drip);
      slow.destroy();
    }
    // blank lines are no request either
    const blank = connect(path);
    blank.on('error', () => undefined);
    let blankClosed = false;
    blank.on('close', () => (blankClosed = true));
    const blanks = setInterval(() => blank.writable && blank.write('\n'), 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 700));
      expect(blankClosed).toBe(true);
      expect(server.counters.errors['request-timeout']).toBe(2);
    } finally {
      clearInterval(blanks);
      blank.destroy();
    }
    // a client that asks now and then, silent in between for longer than the request deadline
    // (not the idle timeout), is kept
    const steady = connect(path);
    steady.on('error', () => undefined);
    const lines: string[] = [];
    steady.setEncoding('utf8');
    steady.on('data', (text: string) => lines.push(...text.split('\n').filter((l) => l !== '')));
    let steadyClosed = false;
    steady.on('close', () => (steadyClosed = true));
    for (let i = 0; i < 3; i++) {
      steady.write(`{"v":1,"id":${i},"cmd":"status"}\n`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
    expect(steadyClosed).toBe(false);
    expect(lines).toHaveLength(3);
    expect(server.counters.errors['request-timeout']).toBe(2);
    steady.destroy();
  });

  it('closes a connection answered on its way out (line-too-long, too many pipelined, busy) however it dribbles bytes after', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 2, maxPipelined: 2, idleTimeoutMs: 400, requestTimeoutMs: 200, closeGraceMs: 300 });
    await server.listen();
    const open = async (first: string | Buffer): Promise<{ socket: Socket; closedAt: () => number | undefined }> => {
      const socket = connect({ path, allowHalfOpen: true });
      socket.on('error', () => undefined);
      socket.resume();
      let closedAt: number | undefined;
      socket.on('close', () => (closedAt = Date.now()));
      await new Promise((resolve) => socket.once('connect', resolve));
      socket.write(first);
      return { socket, closedAt: () => closedAt };
    };
    const overlong = await open(Buffer.alloc(2 * MAX_REQUEST_BYTES, 0x61));
    const flood = await open(Array.from({ length: 200 }, (_, i) => `{"v":1,"id":${i},"cmd":"status"}\n`).join(''));
    // both slots taken by silent clients (which the idle timeout closes later): the next is busy
    const held = [connect(path), connect(path)];
    for (const socket of held) socket.on('error', () => undefined);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const over = await open('');
    const all = [overlong, flood, over];
    // a byte every 50 ms: each would reset the idle timeout, and no request deadline runs on these paths
    const drip = setInterval(() => {
      for (const { socket } of all) if (socket.writable) socket.write('y');
    }, 50);
    try {
      // closed after about 300 ms (the grace), 600 ms for the busy one (its first line waited for,
      // then the grace), while the drip goes on: without the fix it keeps them open for as long as it lasts
      await new Promise((resolve) => setTimeout(resolve, 2500));
      for (const { closedAt } of all) expect(closedAt()).toBeDefined();
      expect(server.counters.errors).toMatchObject({ 'line-too-long': 1, busy: 2 });
    } finally {
      clearInterval(drip);
      for (const { socket } of [...all, ...held.map((socket) => ({ socket }))]) socket.destroy();
    }
  });

  it('serves a notify past the connection limit (keepalived\'s transitions get through), and answers anything else busy', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 1, closeGraceMs: 300 });
    await server.listen();
    const held = connect(path); // holds the one slot, dribbling
    held.on('error', () => undefined);
    await new Promise((resolve) => held.once('connect', resolve));
    const drip = setInterval(() => held.writable && held.write('x'), 50);
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      await expect(sendControlRequest(path, { cmd: 'status' })).rejects.toMatchObject({ reason: 'busy' });
      const event = { type: 'INSTANCE', name: 'half_lan0', state: 'BACKUP', priority: 100 } as const;
      expect(await sendControlRequest(path, { cmd: 'notify', event })).toEqual({ accepted: true });
      expect(handler.events).toContainEqual(event);
      // one without its newline, the client half-closing (printf … | socat)
      const unterminated = await rawExchange(path, ['{"v":1,"id":7,"cmd":"notify","args":{"type":"GROUP","name":"HALF","state":"MASTER","priority":0}}'], { end: true });
      expect(unterminated).toMatchObject({ closed: true, lines: [expect.stringContaining('"accepted":true')] });
      // a client that sends nothing is answered busy after the grace, and closed
      const silent = await rawExchange(path, []);
      expect(silent).toMatchObject({ closed: true });
      expect(codes(silent.lines)).toEqual(['busy']);
      expect(server.counters.errors['busy']).toBe(2);
    } finally {
      clearInterval(drip);
      held.destroy();
    }
  });

  it('serves a notify past the limit even when silent connections fill the wait: the oldest waiting is answered busy', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 2, closeGraceMs: 5000 });
    await server.listen();
    // the 2 slots and the 4 × 2 places of the wait, all held by connections that send nothing
    const silent: { socket: Socket; lines: string[] }[] = [];
    for (let i = 0; i < 2 + 8; i++) {
      const socket = connect(path);
      socket.on('error', () => undefined);
      const lines: string[] = [];
      socket.on('data', (chunk: Buffer) => lines.push(...chunk.toString().split('\n').filter((l) => l !== '')));
      await new Promise((resolve) => socket.once('connect', resolve));
      silent.push({ socket, lines });
    }
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      const event = { type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 100 } as const;
      expect(await sendControlRequest(path, { cmd: 'notify', event })).toEqual({ accepted: true });
      expect(handler.events).toContainEqual(event);
      // the first to wait made room, answered busy; the others still wait
      expect(codes(silent[2]!.lines)).toEqual(['busy']);
      expect(silent.slice(3).map((s) => s.lines)).toEqual(Array.from({ length: 7 }, () => []));
    } finally {
      for (const { socket } of silent) socket.destroy();
    }
  });

  it('does not count connections answered busy against the limit while they close', async () => {
    await server.close();
    server = new ControlServer(handler, { path, maxConnections: 1, closeGraceMs: 10_000 });
    await server.listen();
    const held = connect(path);
    await new Promise((resolve) => held.once('connect', resolve));
    await new Promise((resolve) => setTimeout(resolve, 50));
    // answered busy, but the client keeps its side open (and sends a request line): its grace runs
    const late = connect({ path, allowHalfOpen: true });
    late.on('error', () => undefined);
    const lateLines: string[] = [];
    late.setEncoding('utf8');
    late.on('data', (text: string) => lateLines.push(text));
    await new Promise((resolve) => late.once('connect', resolve));
    late.write('{"v":1,"cmd":"status"}\n');
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(codes(lateLines.join('').split('\n').filter((l) => l !== ''))).toEqual(['busy']);
    held.destroy();
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);
    late.destroy();
  });

  it('keeps a connection whose answer takes longer than the idle timeout (a long commit)', async () => {
    await server.close();
    server = new ControlServer(handler, { path, idleTimeoutMs: 100 });
    await server.listen();
    handler.commitDelayMs = 400;
    expect(await sendControlRequest(path, { cmd: 'commit' }, { timeoutMs: 5000 })).toMatchObject({ entries: 10 });
    // and once answered, a silent client meets the idle timeout again
    const reply = await rawExchange(path, ['{"v":1,"id":1,"cmd":"status"}\n']);
    expect(reply.closed).toBe(true);
  });

  it('names a socket folder it cannot create, with the fix', async () => {
    await writeFile(join(dir, 'plain'), '');
    const other = new ControlServer(handler, { path: join(dir, 'plain', 'run', 'half.sock') });
    const refused = await other.listen().then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(SocketPathError);
    expect(refused).toMatchObject({ message: `cannot create ${join(dir, 'plain', 'run')}, the folder of the control socket: ENOTDIR`, hint: expect.stringContaining('below /run/half') });
  });

  it('binds the longest control socket path half.conf allows, and refuses a longer one as configuration', async () => {
    const ofLength = (bytes: number): string => join(dir, 's'.repeat(bytes - dir.length - 1));
    const longest = new ControlServer(handler, { path: ofLength(CONTROL_SOCKET_MAX_BYTES) });
    await longest.listen(); // its temporary name, PATH.XXXXXX/s, fits too
    expect(await sendControlRequest(ofLength(CONTROL_SOCKET_MAX_BYTES), { cmd: 'status' })).toEqual(handler.current);
    await longest.close();
    const refused = await new ControlServer(handler, { path: ofLength(CONTROL_SOCKET_MAX_BYTES + 1) }).listen().then(() => undefined, (error: unknown) => error);
    expect(refused).toBeInstanceOf(SocketPathError);
    expect(exitStatusFor(refused)).toBe(DaemonExit.config);
    expect(exitStatusFor(new SocketBusyError('another process already answers'))).toBe(DaemonExit.unavailable);
  });

  it('replaces a stale socket, but never a live one or a file that is not a socket', async () => {
    const second = new ControlServer(handler, { path });
    await expect(second.listen()).rejects.toThrow(SocketBusyError);
    await expect(second.listen()).rejects.toThrow(/already answers/);
    expect(await sendControlRequest(path, { cmd: 'status' })).toEqual(handler.current);

    // A crashed daemon leaves its socket file behind: nobody listens on it.
    const crashed = join(dir, 'stale.sock');
    const stale = new ControlServer(handler, { path: crashed });
    await stale.listen();
    await new Promise<void>((resolve) => (stale as unknown as { server: { close(cb: () => void): void } }).server.close(() => resolve()));
    expect((await lstat(crashed)).isSocket()).toBe(true);
    const next = new ControlServer(handler, { path: crashed });
    await next.listen();
    expect(await sendControlRequest(crashed, { cmd: 'status' })).toEqual(handler.current);
    await next.close();

    const file = join(dir, 'notes.txt');
    await writeFile(file, 'keep me');
    await expect(new ControlServer(handler, { path: file }).listen()).rejects.toThrow(/exists and is not a socket/);
    expect(await readFile(file, 'utf8')).toBe('keep me');
  });
});
