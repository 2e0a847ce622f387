// `half-notify`: the keepalived notify script (keepalived.conf(5), `notify`: called with
// $1=GROUP|INSTANCE $2=name $3=MASTER|BACKUP|FAULT|STOP|DELETED $4=priority). It forwards the
// event to half-syncd on this machine through the control socket, so scripts and the FIFO feed
// the same FailoverMachine. This module is the argument parsing and the message; the binary's
// wiring (socket path, connect, exit) lives with the control socket.
import { decodeNotifyArgs, isTransition, type NotifyEvent } from './notify-event.js';

export const NOTIFY_OP = 'keepalived-notify';

/** One JSON line on the control socket. */
export interface NotifyRequest {
  readonly op: typeof NOTIFY_OP;
  readonly type: NotifyEvent['type'];
  readonly name: string;
  readonly state: NotifyEvent['state'];
  readonly priority: number;
}

export type HalfNotifyParse =
  | { readonly ok: true; readonly event: NotifyEvent }
  | { readonly ok: false; readonly usage: string };

export const HALF_NOTIFY_USAGE =
  'usage: half-notify GROUP|INSTANCE NAME MASTER|BACKUP|FAULT|STOP|DELETED PRIORITY\n' +
  '(keepalived runs it as the `notify` script of HALF\'s sync group; see half.conf(5))';

/** Parses the script's arguments (argv without node and script path). */
export function parseHalfNotifyArgs(args: readonly string[]): HalfNotifyParse {
  if (args.length !== 4) return { ok: false, usage: `half-notify: expected 4 arguments, got ${args.length}\n${HALF_NOTIFY_USAGE}` };
  const result = decodeNotifyArgs(args);
  if (!result.ok) return { ok: false, usage: `half-notify: ${result.reason}\n${HALF_NOTIFY_USAGE}` };
  if (!isTransition(result.event)) return { ok: false, usage: `half-notify: ${result.event.state} is not a state transition\n${HALF_NOTIFY_USAGE}` };
  return result;
}

/** The control-socket line for an event (JSON, newline-terminated). */
export function encodeNotifyRequest(event: NotifyEvent): string {
  const request: NotifyRequest = { op: NOTIFY_OP, type: event.type, name: event.name, state: event.state, priority: event.priority };
  return JSON.stringify(request) + '\n';
}

/** Decodes a control-socket request line from a local client; never throws. */
export function decodeNotifyRequest(line: string): { readonly ok: true; readonly event: NotifyEvent } | { readonly ok: false; readonly reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'not an object' };
  const v = value as Record<string, unknown>;
  if (v['op'] !== NOTIFY_OP) return { ok: false, reason: `op is not ${NOTIFY_OP}` };
  const { type, name, state, priority } = v;
  if (typeof type !== 'string' || typeof name !== 'string' || typeof state !== 'string' || typeof priority !== 'number' || !Number.isInteger(priority)) {
    return { ok: false, reason: 'type, name, state (strings) and priority (integer) are required' };
  }
  const result = decodeNotifyArgs([type, name, state, String(priority)]);
  return result.ok ? result : { ok: false, reason: result.reason };
}
