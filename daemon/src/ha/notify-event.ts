// keepalived's state notifications, decoded. Source: keepalived 2.2.7,
// keepalived/vrrp/vrrp_notify.c (notify_fifo, notify_script_exec) and keepalived.conf(5),
// "VRRP synchronization group(s)". A FIFO line is
//     GROUP|INSTANCE "name" STATE priority\n
// (printf "%s \"%s\" %s %d\n", the name not escaped, so HALF takes names without quotes;
// priority 0 for groups), STATE being MASTER,
// BACKUP, FAULT, STOP, DELETED (instances only), MASTER_RX_LOWER_PRI, MASTER_PRIORITY,
// BACKUP_PRIORITY or {UNKNOWN}. A notify script gets the same four fields as its last arguments,
// the name unquoted. Decoders here never throw: garbage gives a result with a reason.

export const NOTIFY_STATES = ['MASTER', 'BACKUP', 'FAULT', 'STOP', 'DELETED'] as const;
/** A state transition of a group or instance. */
export type NotifyState = (typeof NOTIFY_STATES)[number];

/** Informational lines: a master heard a lower priority, or a priority changed. No transition. */
export const NOTIFY_INFO = ['MASTER_RX_LOWER_PRI', 'MASTER_PRIORITY', 'BACKUP_PRIORITY'] as const;
export type NotifyInfo = (typeof NOTIFY_INFO)[number];

export type NotifyTargetType = 'GROUP' | 'INSTANCE';

export interface NotifyEvent {
  readonly type: NotifyTargetType;
  readonly name: string;
  readonly state: NotifyState | NotifyInfo;
  readonly priority: number;
}

export type NotifyDecodeResult =
  /** `fragment`: bytes before the event that are not part of it (a writer's unfinished line). */
  | { readonly ok: true; readonly event: NotifyEvent; readonly fragment?: string }
  /** A well-formed line that HALF does not act on (keepalived's checker VS/RS lines). */
  | { readonly ok: false; readonly ignored: true; readonly reason: string }
  | { readonly ok: false; readonly ignored: false; readonly reason: string };

// Unanchored at the start: the FIFO is shared, and a writer that died before its newline leaves
// a fragment that the next line (keepalived's, written whole) is appended to. The name has no
// quote, so the event found is the last one in the line.
const LINE = /(GROUP|INSTANCE) "([^"]+)" ([A-Z_{}]+) (\d{1,3})$/;
const CHECKER = /^(VS|RS) \S/;

function known(state: string): state is NotifyState | NotifyInfo {
  return (NOTIFY_STATES as readonly string[]).includes(state) || (NOTIFY_INFO as readonly string[]).includes(state);
}

function fields(type: string, name: string, state: string, priorityText: string): NotifyDecodeResult {
  if (type !== 'GROUP' && type !== 'INSTANCE') return { ok: false, ignored: false, reason: `unknown target type "${type.slice(0, 20)}"` };
  // no control character (an escape sequence, a CR would rewrite the log line that names it)
  if (name === '' || /[\u0000-\u001f\u007f]/.test(name)) return { ok: false, ignored: false, reason: 'empty name, or one with a control character' };
  if (!known(state)) return { ok: false, ignored: false, reason: `unknown state "${state.slice(0, 30)}"` };
  if (!/^\d{1,3}$/.test(priorityText) || Number(priorityText) > 255) {
    return { ok: false, ignored: false, reason: `priority "${priorityText.slice(0, 10)}" is not 0-255` };
  }
  return { ok: true, event: { type, name, state, priority: Number(priorityText) } };
}

/** Decodes one FIFO line (without its newline). */
export function decodeNotifyLine(line: string): NotifyDecodeResult {
  const text = line.endsWith('\r') ? line.slice(0, -1) : line;
  const match = LINE.exec(text);
  if (match === null) {
    if (CHECKER.test(text)) return { ok: false, ignored: true, reason: 'checker (VS/RS) line' };
    return { ok: false, ignored: false, reason: text === '' ? 'empty line' : 'not "GROUP|INSTANCE "name" STATE priority"' };
  }
  const result = fields(match[1] as string, match[2] as string, match[3] as string, match[4] as string);
  return result.ok && match.index > 0 ? { ...result, fragment: text.slice(0, match.index) } : result;
}

/** Decodes a notify script's last four arguments ($1 type, $2 name, $3 state, $4 priority). */
export function decodeNotifyArgs(args: readonly string[]): NotifyDecodeResult {
  if (args.length < 4) return { ok: false, ignored: false, reason: `expected 4 arguments (GROUP|INSTANCE name state priority), got ${args.length}` };
  const [type, name, state, priority] = args.slice(-4) as [string, string, string, string];
  return fields(type, name, state, priority);
}

/** Whether the event is a state transition (not informational). */
export function isTransition(event: NotifyEvent): event is NotifyEvent & { readonly state: NotifyState } {
  return (NOTIFY_STATES as readonly string[]).includes(event.state);
}
