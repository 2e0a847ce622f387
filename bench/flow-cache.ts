// The flow cache's own operations on a table of N entries (default 200k), keys looked up and
// deleted in random order, as a flush and a table's deletes meet them: HALF's FlowCache (rows of
// a typed array, an arena of bytes) beside the plain way, a Map from the key's hex string to the
// record, on the same keys in the same order. ns per operation, median of ROUNDS (default 5)
// after a warm-up round.
//
//   node --expose-gc --import tsx bench/flow-cache.ts [N]
import { randomBytes } from 'node:crypto';
import { FlowCache } from '../daemon/src/cache/flow-cache.js';
import { Table, type FlowRecord } from '../daemon/src/model/record.js';
import { median } from './lib/measure.js';

const N = Number(process.argv.slice(2).find((a) => /^\d+$/.test(a)) ?? 200_000);
const ROUNDS = Number(process.env['ROUNDS'] ?? 5);
const KEY = 16; // an IPv4 conntrack key (record-key.ts)
const PAYLOAD = 150;

const bytes = randomBytes(N * (KEY + PAYLOAD));
const records: FlowRecord[] = Array.from({ length: N }, (_, i) => {
  const at = i * (KEY + PAYLOAD);
  return { table: Table.conntrack, key: bytes.subarray(at, at + KEY), payload: bytes.subarray(at + KEY, at + KEY + PAYLOAD), stateHash: BigInt(i) };
});

/** The keys again, as fresh arrays in a random order (what events carry: a key of their own). */
function shuffledKeys(): Uint8Array[] {
  const order = Array.from({ length: N }, (_, i) => i);
  for (let i = N - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [order[i], order[j]] = [order[j] as number, order[i] as number];
  }
  return order.map((i) => Uint8Array.from((records[i] as FlowRecord).key));
}

function nsPerOp(work: () => void): number {
  const t = process.hrtime.bigint();
  work();
  return Number(process.hrtime.bigint() - t) / N;
}

interface Round {
  readonly set: number;
  readonly find: number;
  readonly delete: number;
}

function flowCacheRound(keys: Uint8Array[]): Round {
  const cache = new FlowCache();
  let found = 0;
  const set = nsPerOp(() => {
    for (const record of records) cache.set(record, 1, 0);
  });
  const find = nsPerOp(() => {
    for (const key of keys) if (cache.has(Table.conntrack, key)) found++;
  });
  const del = nsPerOp(() => {
    for (const key of keys) cache.delete(Table.conntrack, key);
  });
  if (found !== N || cache.size !== 0) throw new Error(`FlowCache: found ${found}, left ${cache.size}`);
  return { set, find, delete: del };
}

function mapRound(keys: Uint8Array[]): Round {
  const map = new Map<string, FlowRecord>();
  let found = 0;
  const hex = (key: Uint8Array) => Buffer.from(key.buffer, key.byteOffset, key.byteLength).toString('hex');
  const set = nsPerOp(() => {
    for (const record of records) map.set(hex(record.key), { ...record, key: Uint8Array.from(record.key), payload: Uint8Array.from(record.payload) });
  });
  const find = nsPerOp(() => {
    for (const key of keys) if (map.has(hex(key))) found++;
  });
  const del = nsPerOp(() => {
    for (const key of keys) map.delete(hex(key));
  });
  if (found !== N || map.size !== 0) throw new Error(`Map: found ${found}, left ${map.size}`);
  return { set, find, delete: del };
}

const results = { cache: [] as Round[], map: [] as Round[] };
for (let round = 0; round <= ROUNDS; round++) {
  const keys = shuffledKeys();
  const gc = (globalThis as { gc?: () => void }).gc;
  gc?.();
  const cache = flowCacheRound(keys);
  gc?.();
  const map = mapRound(keys);
  if (round === 0) continue; // warm-up
  results.cache.push(cache);
  results.map.push(map);
}
console.log(`flow cache, ${N} entries (${KEY}-byte keys, ${PAYLOAD}-byte payloads), random order, median of ${ROUNDS} rounds (${new Date().toISOString()})`);
for (const op of ['set', 'find', 'delete'] as const) {
  const ours = median(results.cache.map((r) => r[op]));
  const plain = median(results.map.map((r) => r[op]));
  console.log(`  ${op.padEnd(7)} FlowCache ${ours.toFixed(0).padStart(5)} ns   Map<hex, record> ${plain.toFixed(0).padStart(5)} ns   x${(plain / ours).toFixed(2)}`);
}
