// Checks [filter] and [daemon] of half.conf (docs/half.conf.5.md): what is replicated and how
// the daemon runs. Problems are recorded, never thrown.
import { DEFAULTS, PROTOCOLS, TCP_STATES, type HalfConfig, type ProtocolName, type TcpStateName } from './half-conf.js';
import { networkOf } from './ip-address.js';
import { nearest, splitList, type SectionReader } from './section-reader.js';

function readWords<T extends string>(section: SectionReader, key: string, known: readonly T[], what: string): T[] | undefined {
  const entry = section.entry(key);
  if (entry === undefined) return [...known];
  const words = splitList(entry.value.toLowerCase().replace(/-/g, '_'));
  if (words.length === 1 && words[0] === 'all') return [...known];
  const result: T[] = [];
  let ok = true;
  for (const word of words) {
    if ((known as readonly string[]).includes(word)) {
      if (!result.includes(word as T)) result.push(word as T);
      continue;
    }
    const guess = nearest(word, known);
    section.fail(key, `"${word}" is not a ${what}`, guess === undefined ? `write "all" or some of: ${known.join(' ')}` : `did you mean ${guess}?`);
    ok = false;
  }
  if (ok && result.length === 0) {
    section.fail(key, 'is empty', `write "all" or some of: ${known.join(' ')}`);
    ok = false;
  }
  return ok ? result : undefined;
}

export function readFilter(filter: SectionReader): Partial<HalfConfig['filter']> {
  const entry = filter.entry('ignore');
  let ignore = entry === undefined ? [] : filter.prefixes('ignore', entry.value, false, 'write addresses or prefixes separated by spaces, e.g. 192.0.2.10 198.51.100.0/24');
  for (const prefix of ignore ?? []) {
    const network = networkOf(prefix);
    if (network.text !== prefix.text) {
      filter.fail('ignore', `${prefix.text} has host bits set`, `write ${network.text} for the whole network, or ${prefix.address.text} for the one address`);
      ignore = undefined;
    }
  }
  return {
    ...(ignore === undefined ? {} : { ignore }),
    protocols: readWords<ProtocolName>(filter, 'protocols', Object.keys(PROTOCOLS) as ProtocolName[], 'protocol HALF replicates'),
    tcpStates: readWords<TcpStateName>(filter, 'tcp-states', TCP_STATES, 'TCP conntrack state'),
  };
}

/**
 * The longest control-socket path: a unix socket's sun_path holds 107 bytes and a NUL, and the
 * daemon binds `PATH.XXXXXX/s` first (9 bytes more, socket-file.ts) to rename it into place at
 * mode 0600 (the limit predates that and stays: a shorter path never hurts).
 */
export const CONTROL_SOCKET_MAX_BYTES = 95;

function controlSocket(daemon: SectionReader, fallback: string): string | undefined {
  const path = daemon.path('control-socket', fallback);
  if (path === undefined || Buffer.byteLength(path) <= CONTROL_SOCKET_MAX_BYTES) return path;
  daemon.fail('control-socket', `is ${Buffer.byteLength(path)} bytes long; a unix socket path here may have at most ${CONTROL_SOCKET_MAX_BYTES}`, `write a shorter path, such as ${fallback}`);
  return undefined;
}

export function readDaemon(daemon: SectionReader): Partial<HalfConfig['daemon']> {
  return {
    mode: daemon.choice('mode', ['external-cache', 'direct'] as const, 'external-cache'),
    eventReader: daemon.choice('event-reader', ['daemon', 'pump'] as const, 'daemon'),
    purgeDelaySeconds: daemon.seconds('purge-delay', 0, 3600, 0, DEFAULTS.purgeDelaySeconds, 'write whole seconds from 0 to 3600, e.g. purge-delay = 60'),
    metricsPort: daemon.int('metrics-port', 0, 65535, DEFAULTS.metricsPort, `write a TCP port (default ${DEFAULTS.metricsPort}), or 0 to turn the metrics endpoint off`),
    metricsAddress: '127.0.0.1',
    controlSocket: controlSocket(daemon, DEFAULTS.controlSocket),
  };
}
