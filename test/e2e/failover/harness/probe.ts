// A one-off TCP connection attempt from one host to another (socat(1), bounded by a connect
// timeout): the "connection from outside into the LAN" that the firewall must refuse, and the
// same attempt from inside the LAN that proves the service is there to be refused.
import type { NamespaceSet } from '../../../helpers/netns.js';
import { requireTool } from '../../../helpers/tools.js';
import { now } from './traffic/flow-recorder.js';

export interface ProbeResult {
  readonly at: number;
  readonly from: string;
  readonly to: string;
  /** The service answered (its greeting arrived). */
  readonly connected: boolean;
  readonly detail: string;
}

export async function probeTcp(net: NamespaceSet, from: string, address: string, port: number, timeoutS = 1): Promise<ProbeResult> {
  requireTool('socat');
  const at = now();
  const r = await net.exec(from, ['socat', '-u', `TCP:${address}:${port},connect-timeout=${timeoutS}`, 'STDOUT'], { timeoutMs: (timeoutS + 2) * 1000 });
  const connected = r.exitCode === 0 && r.stdout.includes('lan service');
  const detail = connected ? 'connected' : r.stderr.trim().split('\n').pop()?.replace(/^.*E /, '') || `exit ${r.exitCode}`;
  return { at, from, to: `${address}:${port}`, connected, detail };
}
