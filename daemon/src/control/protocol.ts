// The control socket's protocol, version 1: JSON lines over a local stream socket
// (/run/half/half.sock by default). One request per line, one response line per request, in
// order. Requests come from local root clients (`half`, `half-notify`) but are still decoded as
// untrusted input: every decoder here returns a result, never throws.
//
//   → {"v":1,"id":7,"cmd":"flush","args":{"target":"external"}}
//   ← {"v":1,"id":7,"ok":true,"result":{...}}
//   ← {"v":1,"id":7,"ok":false,"error":{"code":"unknown-command","message":"...","fix":"..."}}
//
// ha/half-notify.ts's line {"op":"keepalived-notify",type,name,state,priority} is accepted as a
// version 1 `notify` request too, so a notify script written against it keeps working.
// JSON Lines: https://jsonlines.org/ ; the framing is modelled on conntrackd's UNIX socket.
import { decodeNotifyRequest, NOTIFY_OP } from '../ha/half-notify.js';
import type { NotifyEvent } from '../ha/notify-event.js';
import { decodeNotifyArgs, isTransition } from '../ha/notify-event.js';

export const CONTROL_PROTOCOL_VERSION = 1;
/** Longest request line accepted, newline excluded; longer lines are refused and the connection closed. */
export const MAX_REQUEST_BYTES = 64 * 1024;

export const CONTROL_COMMANDS = ['status', 'commit', 'flush', 'resync', 'notify'] as const;
export type ControlCommand = (typeof CONTROL_COMMANDS)[number];

export const FLUSH_TARGETS = ['all', 'internal', 'external'] as const;
/** Which caches `flush` empties: ours (`internal`), the peers' copies (`external`), or both. */
export type FlushTarget = (typeof FLUSH_TARGETS)[number];

export const RESYNC_SOURCES = ['peers', 'kernel'] as const;
/** `peers`: ask every peer for a full resync of its table; `kernel`: re-read our own table from a dump. */
export type ResyncSource = (typeof RESYNC_SOURCES)[number];

export type ControlRequest =
  | { readonly cmd: 'status' }
  | { readonly cmd: 'commit' }
  | { readonly cmd: 'flush'; readonly target: FlushTarget }
  | { readonly cmd: 'resync'; readonly source: ResyncSource }
  | { readonly cmd: 'notify'; readonly event: NotifyEvent };

/** Errors the server itself answers with; handlers may add their own codes (ControlCommandError). */
export const PROTOCOL_ERRORS = ['bad-json', 'bad-request', 'unsupported-version', 'unknown-command', 'line-too-long', 'busy', 'internal'] as const;
export type ProtocolErrorCode = (typeof PROTOCOL_ERRORS)[number];

export interface ControlErrorBody {
  /** Stable, kebab-case: one of PROTOCOL_ERRORS or a handler's own code. */
  readonly code: string;
  readonly message: string;
  /** What the caller can do about it. */
  readonly fix?: string;
}

export type RequestId = string | number | null;

export type DecodedRequest =
  | { readonly ok: true; readonly id: RequestId; readonly request: ControlRequest }
  | { readonly ok: false; readonly id: RequestId; readonly error: ControlErrorBody };

const fail = (id: RequestId, code: ProtocolErrorCode, message: string, fix?: string): DecodedRequest => ({
  ok: false,
  id,
  error: fix === undefined ? { code, message } : { code, message, fix },
});

function requestId(value: unknown): RequestId {
  if (typeof value === 'string') return value.slice(0, 64);
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

/**
 * A value of a request or reply as an error message shows it: a string cut to 40 characters, a
 * scalar as JSON, an array or object only by its kind (JSON.stringify of a value nested some
 * thousands deep overflows the stack: a request line of 10 KB took the daemon down).
 */
export function shownValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value);
  if (value === undefined || value === null) return 'null';
  if (typeof value === 'object') return Array.isArray(value) ? 'an array' : 'an object';
  return String(value);
}

/** The arguments each command takes: any other key is refused (a misspelt one ran the command's broadest form). */
const ARG_KEYS: Record<ControlCommand, readonly string[]> = {
  status: [],
  commit: [],
  flush: ['target'],
  resync: ['source'],
  notify: ['type', 'name', 'state', 'priority'],
};

function choice<T extends string>(args: Record<string, unknown>, key: string, allowed: readonly T[], fallback: T): T | undefined {
  const value = args[key];
  if (value === undefined) return fallback;
  return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : undefined;
}

function decodeArgs(id: RequestId, cmd: ControlCommand, args: Record<string, unknown>): DecodedRequest {
  const allowed = ARG_KEYS[cmd];
  const unknown = Object.keys(args).find((key) => !allowed.includes(key));
  if (unknown !== undefined) {
    const fix = allowed.length === 0 ? `${cmd} takes no arguments: leave "args" out` : `${cmd} takes ${allowed.join(', ')}`;
    return fail(id, 'bad-request', `${cmd}: unknown argument ${shownValue(unknown)}`, fix);
  }
  switch (cmd) {
    case 'status':
    case 'commit':
      return { ok: true, id, request: { cmd } };
    case 'flush': {
      const target = choice(args, 'target', FLUSH_TARGETS, 'all');
      if (target === undefined) return fail(id, 'bad-request', 'flush: args.target is not a flush target', `use one of ${FLUSH_TARGETS.join(', ')}`);
      return { ok: true, id, request: { cmd, target } };
    }
    case 'resync': {
      const source = choice(args, 'source', RESYNC_SOURCES, 'peers');
      if (source === undefined) return fail(id, 'bad-request', 'resync: args.source is not a resync source', `use one of ${RESYNC_SOURCES.join(', ')}`);
      return { ok: true, id, request: { cmd, source } };
    }
    case 'notify': {
      const { type, name, state, priority } = args;
      const fields = [type, name, state, typeof priority === 'number' && Number.isInteger(priority) ? String(priority) : priority];
      if (!fields.every((f) => typeof f === 'string')) {
        return fail(id, 'bad-request', 'notify: args needs type, name, state (strings) and priority (integer)', 'send what keepalived passes to a notify script');
      }
      const decoded = decodeNotifyArgs(fields as string[]);
      if (!decoded.ok) return fail(id, 'bad-request', `notify: ${decoded.reason}`, 'send what keepalived passes to a notify script');
      if (!isTransition(decoded.event)) return fail(id, 'bad-request', `notify: ${decoded.event.state} is not a state transition`, 'send MASTER, BACKUP, FAULT, STOP or DELETED');
      return { ok: true, id, request: { cmd, event: decoded.event } };
    }
  }
}

/**
 * Decodes one request line (without its newline). Never throws: a throw of the decoding itself
 * (a bug) answers `bad-request` rather than reaching the server's event loop.
 */
export function decodeRequest(line: string): DecodedRequest {
  try {
    return decodeRequestLine(line);
  } catch (error) {
    return fail(null, 'bad-request', `the request could not be decoded: ${(error as Error).message}`, 'send one JSON object per line, as `half` does');
  }
}

function decodeRequestLine(line: string): DecodedRequest {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return fail(null, 'bad-json', 'the request is not JSON', 'send one JSON object per line');
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return fail(null, 'bad-request', 'the request is not a JSON object', 'send {"v":1,"cmd":"status"}');
  }
  const v = value as Record<string, unknown>;
  const id = requestId(v['id']);
  if (v['op'] === NOTIFY_OP && v['v'] === undefined) {
    const legacy = decodeNotifyRequest(line);
    if (!legacy.ok) return fail(id, 'bad-request', `${NOTIFY_OP}: ${legacy.reason}`, 'send what keepalived passes to a notify script');
    return decodeArgs(id, 'notify', { ...legacy.event });
  }
  if (v['v'] !== CONTROL_PROTOCOL_VERSION) {
    return fail(id, 'unsupported-version', `protocol version ${shownValue(v['v'])} is not supported (this daemon speaks ${CONTROL_PROTOCOL_VERSION})`, 'use a `half` of the same release as half-syncd');
  }
  const cmd = v['cmd'];
  if (typeof cmd !== 'string' || !(CONTROL_COMMANDS as readonly string[]).includes(cmd)) {
    return fail(id, 'unknown-command', `unknown command ${shownValue(cmd)}`, `use one of ${CONTROL_COMMANDS.join(', ')}`);
  }
  const args = v['args'] ?? {};
  if (typeof args !== 'object' || args === null || Array.isArray(args)) return fail(id, 'bad-request', `${cmd}: args is not an object`, 'send "args":{...} or leave it out');
  return decodeArgs(id, cmd as ControlCommand, args as Record<string, unknown>);
}

function argsOf(request: ControlRequest): Record<string, unknown> | undefined {
  switch (request.cmd) {
    case 'status':
    case 'commit':
      return undefined;
    case 'flush':
      return { target: request.target };
    case 'resync':
      return { source: request.source };
    case 'notify':
      return { type: request.event.type, name: request.event.name, state: request.event.state, priority: request.event.priority };
  }
}

/** The request line a client sends (newline-terminated). */
export function encodeRequest(id: RequestId, request: ControlRequest): string {
  const args = argsOf(request);
  const body = args === undefined ? { v: CONTROL_PROTOCOL_VERSION, id, cmd: request.cmd } : { v: CONTROL_PROTOCOL_VERSION, id, cmd: request.cmd, args };
  return JSON.stringify(body) + '\n';
}

export type ControlResponse =
  | { readonly ok: true; readonly id: RequestId; readonly result: unknown }
  | { readonly ok: false; readonly id: RequestId; readonly error: ControlErrorBody };

export function encodeResponse(response: ControlResponse): string {
  return JSON.stringify({ v: CONTROL_PROTOCOL_VERSION, ...response }) + '\n';
}

/** Decodes a response line on the client side. Never throws. */
export function decodeResponse(line: string): { readonly ok: true; readonly response: ControlResponse } | { readonly ok: false; readonly reason: string } {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch {
    return { ok: false, reason: 'the reply is not JSON' };
  }
  if (typeof value !== 'object' || value === null) return { ok: false, reason: 'the reply is not a JSON object' };
  const v = value as Record<string, unknown>;
  if (v['v'] !== CONTROL_PROTOCOL_VERSION) return { ok: false, reason: `the reply has protocol version ${shownValue(v['v'])}, not ${CONTROL_PROTOCOL_VERSION}` };
  const id = requestId(v['id']);
  if (v['ok'] === true) return { ok: true, response: { ok: true, id, result: v['result'] ?? null } };
  const error = v['error'];
  if (v['ok'] !== false || typeof error !== 'object' || error === null) return { ok: false, reason: 'the reply has neither a result nor an error' };
  const e = error as Record<string, unknown>;
  if (typeof e['code'] !== 'string' || typeof e['message'] !== 'string') return { ok: false, reason: 'the reply\'s error has no code or message' };
  const body: ControlErrorBody = typeof e['fix'] === 'string' ? { code: e['code'], message: e['message'], fix: e['fix'] } : { code: e['code'], message: e['message'] };
  return { ok: true, response: { ok: false, id, error: body } };
}
