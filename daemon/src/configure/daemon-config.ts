// Whether half-syncd already runs with the configuration on disk: it reports the digest of the
// half.conf and key it started with (config/config-digest.ts). `half configure --apply` restarts it
// only when they differ, or when it does not answer: a restart empties a standby's copy of the
// peers' connections until the next resync, so a configure that changed nothing must not restart.
import { configDigest } from '../config/config-digest.js';
import type { HalfConfig } from '../config/half-conf.js';
import { sendControlRequest } from '../control/control-client.js';

export type StatusAsk = (socket: string) => Promise<unknown>;

const askStatus: StatusAsk = (socket) => sendControlRequest(socket, { cmd: 'status' }, { timeoutMs: 3000 });

export async function daemonRunsWith(config: HalfConfig, key: Uint8Array, ask: StatusAsk = askStatus): Promise<boolean> {
  let status: unknown;
  try {
    status = await ask(config.daemon.controlSocket);
  } catch {
    return false; // not running, or not answering: (re)start it
  }
  const running = (status as { daemon?: { configDigest?: unknown } } | null)?.daemon?.configDigest;
  return typeof running === 'string' && running === configDigest(config, key);
}
