// The control protocol's codec: every kind of bad request gets a structured error with a code,
// never an exception; good requests decode to typed commands; lines round-trip.
import { describe, expect, it } from 'vitest';
import { decodeRequest, decodeResponse, encodeRequest, encodeResponse, type ControlRequest } from '../../../daemon/src/control/protocol.js';
import { encodeNotifyRequest } from '../../../daemon/src/ha/half-notify.js';

describe('decodeRequest', () => {
  it.each<[string, string, RegExp]>([
    ['', 'bad-json', /not JSON/],
    ['{"v":1,"cmd":', 'bad-json', /not JSON/],
    ['\u0000\u00ff garbage', 'bad-json', /not JSON/],
    ['[1,2]', 'bad-request', /not a JSON object/],
    ['"status"', 'bad-request', /not a JSON object/],
    ['null', 'bad-request', /not a JSON object/],
    ['{"cmd":"status"}', 'unsupported-version', /version null is not supported/],
    ['{"v":2,"cmd":"status"}', 'unsupported-version', /version 2 is not supported \(this daemon speaks 1\)/],
    ['{"v":1}', 'unknown-command', /unknown command null/],
    ['{"v":1,"cmd":"reboot"}', 'unknown-command', /unknown command "reboot"/],
    ['{"v":1,"cmd":42}', 'unknown-command', /unknown command 42/],
    ['{"v":1,"cmd":"status","args":[]}', 'bad-request', /args is not an object/],
    ['{"v":1,"cmd":"flush","args":{"target":"kernel"}}', 'bad-request', /not a flush target/],
    ['{"v":1,"cmd":"resync","args":{"source":7}}', 'bad-request', /not a resync source/],
    ['{"v":1,"cmd":"notify","args":{"type":"GROUP","name":"HALF","state":"MASTER"}}', 'bad-request', /needs type, name, state/],
    ['{"v":1,"cmd":"notify","args":{"type":"GROUP","name":"HALF","state":"RUNNING","priority":0}}', 'bad-request', /unknown state "RUNNING"/],
    ['{"v":1,"cmd":"notify","args":{"type":"GROUP","name":"HALF","state":"MASTER_PRIORITY","priority":0}}', 'bad-request', /not a state transition/],
    ['{"op":"keepalived-notify","type":"GROUP","name":"HALF","state":"MASTER","priority":999}', 'bad-request', /not 0-255/],
  ])('answers %j with %s', (line, code, message) => {
    const decoded = decodeRequest(line);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.code).toBe(code);
    expect(decoded.error.message).toMatch(message);
    expect(decoded.error.fix).toBeTruthy();
  });

  it('names a value nested thousands deep by its kind, without recursing into it (a 10 KB line overflowed the stack)', () => {
    const deep = (open: string, close: string) => `${open.repeat(5000)}${close.repeat(5000)}`;
    const cases: [string, string, RegExp][] = [
      [`{"v":${deep('[', ']')}}`, 'unsupported-version', /version an array is not supported/],
      [`{"v":1,"cmd":${deep('[', ']')}}`, 'unknown-command', /unknown command an array/],
      [`{"v":1,"cmd":${deep('{"a":', '}').replace(/\{"a":\}/, '{}')}}`, 'unknown-command', /unknown command an object/],
      [`{"op":"keepalived-notify","v":${deep('[', ']')}}`, 'unsupported-version', /version an array/],
    ];
    for (const [line, code, message] of cases) {
      const decoded = decodeRequest(line);
      expect(decoded.ok).toBe(false);
      if (decoded.ok) continue;
      expect(decoded.error.code).toBe(code);
      expect(decoded.error.message).toMatch(message);
    }
    expect(decodeResponse(`{"v":${deep('[', ']')}}`)).toEqual({ ok: false, reason: 'the reply has protocol version an array, not 1' });
  });

  it('cuts a long version string in its error as it cuts a command', () => {
    const decoded = decodeRequest(`{"v":"${'9'.repeat(60_000)}","cmd":"status"}`);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.message.length).toBeLessThan(200);
    expect(decoded.error.message).toContain(`"${'9'.repeat(40)}…"`);
  });

  it.each<[string, RegExp, RegExp]>([
    ['{"v":1,"cmd":"flush","args":{"targte":"external"}}', /flush: unknown argument "targte"/, /flush takes target/],
    ['{"v":1,"cmd":"flush","args":{"__proto__":{"target":"external"}}}', /unknown argument "__proto__"/, /flush takes target/],
    ['{"v":1,"cmd":"resync","args":{"sorce":"kernel"}}', /resync: unknown argument "sorce"/, /resync takes source/],
    ['{"v":1,"cmd":"commit","args":{"force":true}}', /commit: unknown argument "force"/, /takes no arguments/],
    ['{"v":1,"cmd":"notify","args":{"type":"GROUP","name":"HALF","state":"MASTER","priority":0,"extra":1}}', /notify: unknown argument "extra"/, /type, name, state, priority/],
  ])('refuses %j (an argument it does not take) instead of running the default', (line, message, fix) => {
    const decoded = decodeRequest(line);
    expect(decoded.ok).toBe(false);
    if (decoded.ok) return;
    expect(decoded.error.code).toBe('bad-request');
    expect(decoded.error.message).toMatch(message);
    expect(decoded.error.fix).toMatch(fix);
  });

  it('keeps the request id in errors (strings cut to 64 characters)', () => {
    expect(decodeRequest('{"v":1,"id":"abc","cmd":"nope"}').id).toBe('abc');
    expect(decodeRequest('{"v":1,"id":9,"cmd":"nope"}').id).toBe(9);
    expect(decodeRequest(`{"v":1,"id":"${'x'.repeat(500)}","cmd":"nope"}`).id).toBe('x'.repeat(64));
    expect(decodeRequest('{"v":1,"id":{"a":1},"cmd":"status"}').id).toBeNull();
  });

  it('decodes every command with its defaults', () => {
    expect(decodeRequest('{"v":1,"cmd":"status"}')).toEqual({ ok: true, id: null, request: { cmd: 'status' } });
    expect(decodeRequest('{"v":1,"cmd":"commit","args":{}}')).toEqual({ ok: true, id: null, request: { cmd: 'commit' } });
    expect(decodeRequest('{"v":1,"cmd":"flush"}')).toMatchObject({ request: { cmd: 'flush', target: 'all' } });
    expect(decodeRequest('{"v":1,"cmd":"flush","args":{"target":"external"}}')).toMatchObject({ request: { cmd: 'flush', target: 'external' } });
    expect(decodeRequest('{"v":1,"cmd":"resync"}')).toMatchObject({ request: { cmd: 'resync', source: 'peers' } });
    expect(decodeRequest('{"v":1,"cmd":"resync","args":{"source":"kernel"}}')).toMatchObject({ request: { cmd: 'resync', source: 'kernel' } });
    expect(decodeRequest('{"v":1,"cmd":"notify","args":{"type":"INSTANCE","name":"half_lan0","state":"BACKUP","priority":100}}')).toMatchObject({
      ok: true,
      request: { cmd: 'notify', event: { type: 'INSTANCE', name: 'half_lan0', state: 'BACKUP', priority: 100 } },
    });
  });

  it('accepts the line ha/half-notify.ts encodes as a notify request', () => {
    const line = encodeNotifyRequest({ type: 'GROUP', name: 'HALF', state: 'FAULT', priority: 0 }).trimEnd();
    expect(decodeRequest(line)).toEqual({ ok: true, id: null, request: { cmd: 'notify', event: { type: 'GROUP', name: 'HALF', state: 'FAULT', priority: 0 } } });
  });

  it('round-trips what encodeRequest writes', () => {
    const requests: ControlRequest[] = [
      { cmd: 'status' },
      { cmd: 'commit' },
      { cmd: 'flush', target: 'internal' },
      { cmd: 'resync', source: 'kernel' },
      { cmd: 'notify', event: { type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 } },
    ];
    for (const [i, request] of requests.entries()) {
      const line = encodeRequest(i, request);
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
      expect(decodeRequest(line.slice(0, -1))).toEqual({ ok: true, id: i, request });
    }
    expect(encodeRequest(1, { cmd: 'status' })).toBe('{"v":1,"id":1,"cmd":"status"}\n');
  });
});

describe('responses', () => {
  it('round-trip results and errors', () => {
    const ok = encodeResponse({ ok: true, id: 3, result: { a: [1, 2] } });
    expect(ok).toBe('{"v":1,"ok":true,"id":3,"result":{"a":[1,2]}}\n');
    expect(decodeResponse(ok.trimEnd())).toEqual({ ok: true, response: { ok: true, id: 3, result: { a: [1, 2] } } });
    const error = encodeResponse({ ok: false, id: null, error: { code: 'busy', message: 'too many', fix: 'retry' } });
    expect(decodeResponse(error.trimEnd())).toEqual({ ok: true, response: { ok: false, id: null, error: { code: 'busy', message: 'too many', fix: 'retry' } } });
  });

  it.each([
    ['nope', /not JSON/],
    ['7', /not a JSON object/],
    ['{"v":9,"ok":true}', /protocol version 9/],
    ['{"v":1}', /neither a result nor an error/],
    ['{"v":1,"ok":false,"error":{"code":1}}', /no code or message/],
  ])('refuses the reply %j', (line, reason) => {
    const decoded = decodeResponse(line);
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });
});
