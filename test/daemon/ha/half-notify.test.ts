// half-notify: keepalived's notify script arguments → the control-socket message, and back.
import { describe, expect, it } from 'vitest';
import { decodeNotifyRequest, encodeNotifyRequest, parseHalfNotifyArgs } from '../../../daemon/src/ha/half-notify.js';

describe('parseHalfNotifyArgs', () => {
  it('parses what keepalived passes ($1 type, $2 name, $3 state, $4 priority)', () => {
    expect(parseHalfNotifyArgs(['GROUP', 'HALF', 'MASTER', '0'])).toEqual({ ok: true, event: { type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 } });
    expect(parseHalfNotifyArgs(['INSTANCE', 'half', 'FAULT', '100'])).toMatchObject({ ok: true });
  });

  it.each([
    [[], /expected 4 arguments, got 0/],
    [['GROUP', 'HALF', 'MASTER'], /expected 4 arguments, got 3/],
    [['GROUP', 'HALF', 'MASTER', '0', 'x'], /expected 4 arguments, got 5/],
    [['GROUP', 'HALF', 'RUNNING', '0'], /unknown state "RUNNING"/],
    [['INSTANCE', 'half', 'MASTER_PRIORITY', '90'], /MASTER_PRIORITY is not a state transition/],
  ])('answers %j with usage', (args, message) => {
    const result = parseHalfNotifyArgs(args);
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.usage).toMatch(message);
      expect(result.usage).toContain('usage: half-notify GROUP|INSTANCE NAME');
    }
  });
});

describe('notify requests', () => {
  it('round-trips as one JSON line', () => {
    const event = { type: 'GROUP', name: 'HALF', state: 'BACKUP', priority: 0 } as const;
    const line = encodeNotifyRequest(event);
    expect(line).toBe('{"op":"keepalived-notify","type":"GROUP","name":"HALF","state":"BACKUP","priority":0}\n');
    expect(decodeNotifyRequest(line)).toEqual({ ok: true, event });
  });

  it.each([
    ['nope', 'not JSON'],
    ['null', 'not an object'],
    ['{"op":"status"}', 'op is not keepalived-notify'],
    ['{"op":"keepalived-notify","type":"GROUP","name":"HALF","state":"MASTER","priority":"0"}', 'type, name, state (strings) and priority (integer) are required'],
    ['{"op":"keepalived-notify","type":"GROUP","name":"HALF","state":"MASTER","priority":-3}', 'priority "-3" is not 0-255'],
    ['{"op":"keepalived-notify","type":"ROUTER","name":"HALF","state":"MASTER","priority":0}', 'unknown target type "ROUTER"'],
  ])('refuses %s', (line, reason) => {
    expect(decodeNotifyRequest(line)).toEqual({ ok: false, reason });
  });
});
