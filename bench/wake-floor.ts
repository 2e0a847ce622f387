// The floor under a daemon's CPU per flow when flows come one at a time: what it costs a process
// to be woken by a datagram and send one on, with nothing else to do. half-syncd's sender is
// woken by a conntrack event and sends a sync datagram, its standby is woken by that datagram
// and writes to its kernel; conntrackd does the same in C. This relays UDP datagrams at RATE
// per second (as a daemon's wake reads one message and sends one), side by side in one run, in a
// fresh network namespace (its loopback only):
//   - socat, the reference (C: select(2), then one read(2) and one write(2) per datagram, as
//     conntrackd's event loop does);
//   - a bare Node relay: a dgram socket's 'message' sends the datagram on, through an address
//     lookup answered in the call as half-syncd's (channel/literal-lookup.ts);
//   - the same Node relay sending from a setImmediate, as half-syncd's batcher does;
//   - and sealing each datagram first, as half-syncd seals a sync frame (conntrackd's are clear).
//
//   node --import tsx bench/wake-floor.ts [RATE...]      (as root; default 2000 10000)
//
// Per datagram: the relay's CPU (user + system from /proc/PID/stat, its threads included) over
// BENCH_SECONDS (default 5) after a warm-up second; every datagram sent must reach the sink.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { createSocket, type Socket } from 'node:dgram';
import { readFileSync } from 'node:fs';
import { requireTool } from '../test/helpers/tools.js';
import { runInFreshNamespace } from './lib/fresh-namespace.js';

const RATES = process.argv.slice(2).filter((a) => /^\d+$/.test(a)).map(Number);
const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 5);
const CLK_TCK = 100;
const RELAY_PORT = 47001;
const SINK_PORT = 47002;
const PAYLOAD = 200; // a sync datagram of one record, about

/**
 * The Node relay; `deferred`: the send waits for a setImmediate (half-syncd's batcher); `sealed`:
 * each datagram is sealed as half-syncd seals a frame (wire/aead.ts: AES-256-GCM, a cipher
 * object per frame, the header as associated data), which conntrackd does not do.
 */
function nodeRelay(deferred: boolean, sealed = false): string {
  return `
    const dgram = require('node:dgram');
    const crypto = require('node:crypto');
    const key = crypto.createSecretKey(crypto.randomBytes(32));
    let seq = 0;
    const make = (n) => { const iv = Buffer.alloc(12); iv.writeUInt32BE(n, 8); return crypto.createCipheriv('aes-256-gcm', key, iv, { authTagLength: 16 }); };
    const seal = (m) => {
      const frame = Buffer.allocUnsafe(m.length + 16);
      m.copy(frame);
      frame.writeUInt32BE(++seq, 8);
      const cipher = make(seq);
      cipher.setAAD(frame.subarray(0, 24));
      cipher.update(m.subarray(24)).copy(frame, 24);
      cipher.final();
      cipher.getAuthTag().copy(frame, m.length);
      return frame;
    };
    const out = (m) => outbound.send(${sealed ? 'seal(m)' : 'm'}, ${SINK_PORT}, '127.0.0.1');
    const lookup = (host, family, cb) => cb(null, host, 4);
    const inbound = dgram.createSocket({ type: 'udp4' });
    const outbound = dgram.createSocket({ type: 'udp4', lookup });
    const pending = [];
    let scheduled = false;
    const flush = () => { scheduled = false; for (const m of pending.splice(0)) out(m); };
    inbound.on('message', (m) => {
      ${deferred ? 'pending.push(m); if (!scheduled) { scheduled = true; setImmediate(flush); }' : 'out(m);'}
    });
    inbound.bind(${RELAY_PORT}, '127.0.0.1', () => process.stdout.write('ready\\n'));`;
}

interface Relay {
  readonly name: string;
  start(): ChildProcess;
}

const RELAYS: readonly Relay[] = [
  { name: 'socat (C)', start: () => spawn('socat', ['-u', `UDP4-RECV:${RELAY_PORT},bind=127.0.0.1`, `UDP4-SENDTO:127.0.0.1:${SINK_PORT}`], { stdio: ['ignore', 'pipe', 'inherit'] }) },
  { name: 'Node, sent in the handler', start: () => spawn(process.execPath, ['-e', nodeRelay(false)], { stdio: ['ignore', 'pipe', 'inherit'] }) },
  { name: 'Node, sent from a setImmediate', start: () => spawn(process.execPath, ['-e', nodeRelay(true)], { stdio: ['ignore', 'pipe', 'inherit'] }) },
  { name: 'Node, setImmediate, sealed', start: () => spawn(process.execPath, ['-e', nodeRelay(true, true)], { stdio: ['ignore', 'pipe', 'inherit'] }) },
];

function cpuTicks(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
  return Number(fields[11]) + Number(fields[12]);
}

async function ready(child: ChildProcess, name: string): Promise<void> {
  if (child.pid === undefined) throw new Error(`${name} did not start`);
  // socat says nothing: give it a moment to bind
  if (name.startsWith('socat')) return new Promise((resolve) => setTimeout(resolve, 300));
  await new Promise<void>((resolve, reject) => {
    child.stdout?.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`${name} exited with ${String(code)}`)));
  });
}

/** Sends `rate` datagrams a second for `seconds` (in 1 ms ticks); resolves with how many. */
async function generate(out: Socket, rate: number, seconds: number): Promise<number> {
  const payload = Buffer.alloc(PAYLOAD, 0x5a);
  const t0 = performance.now();
  let sent = 0;
  const total = Math.round(rate * seconds);
  await new Promise<void>((resolve) => {
    const tick = (): void => {
      const due = Math.min(total, Math.floor(((performance.now() - t0) / 1000) * rate));
      for (; sent < due; sent++) out.send(payload, RELAY_PORT, '127.0.0.1');
      if (sent < total) setTimeout(tick, 1);
      else resolve();
    };
    tick();
  });
  return sent;
}

async function measureRelay(relay: Relay, rate: number, sink: { count: number }, out: Socket): Promise<{ us: number; lost: number }> {
  const child = relay.start();
  try {
    await ready(child, relay.name);
    await generate(out, rate, 1); // warm-up
    await new Promise((resolve) => setTimeout(resolve, 200));
    const pid = child.pid as number;
    const ticks0 = cpuTicks(pid);
    const received0 = sink.count;
    const sent = await generate(out, rate, SECONDS);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const ticks = cpuTicks(pid) - ticks0;
    return { us: ((ticks / CLK_TCK) * 1e6) / sent, lost: sent - (sink.count - received0) };
  } finally {
    child.kill('SIGTERM');
    await new Promise((resolve) => (child.exitCode !== null || child.signalCode !== null ? resolve(undefined) : child.once('exit', resolve)));
  }
}

async function inside(rates: readonly number[]): Promise<void> {
  execFileSync('ip', ['link', 'set', 'lo', 'up']);
  const sink = { count: 0 };
  const sinkSocket = createSocket('udp4');
  sinkSocket.on('message', () => sink.count++);
  await new Promise<void>((resolve) => sinkSocket.bind(SINK_PORT, '127.0.0.1', resolve));
  const out = createSocket({ type: 'udp4', lookup: (host, _family, cb) => cb(null, host, 4) });
  console.log(`wake floor: ${new Date().toISOString()}, ${readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/)?.[1] ?? '?'}, node ${process.version}, ${SECONDS} s per relay and rate, ${PAYLOAD}-byte datagrams`);
  for (const rate of rates) {
    const rows: { name: string; us: number; lost: number }[] = [];
    // interleaved: every relay once, then again; the better (lower CPU) of the two kept
    for (let round = 0; round < 2; round++) {
      for (const relay of RELAYS) {
        const r = await measureRelay(relay, rate, sink, out);
        const seen = rows.find((row) => row.name === relay.name);
        if (seen === undefined) rows.push({ name: relay.name, ...r });
        else if (r.us < seen.us) Object.assign(seen, r);
      }
    }
    const reference = rows[0] as { us: number };
    console.log(`\n${rate} datagrams/s: relay CPU per datagram`);
    for (const row of rows) console.log(`  ${row.name.padEnd(34)} ${row.us.toFixed(1).padStart(6)} us   x${(row.us / reference.us).toFixed(2)}   lost ${row.lost}`);
  }
  out.close();
  sinkSocket.close();
}

if (process.argv.includes('--inside')) await inside(RATES.length > 0 ? RATES : [2000, 10_000]);
else {
  requireTool('socat'); // the reference: says which package to install when it is missing
  runInFreshNamespace('halfwf', import.meta.url, process.argv.slice(2));
}
