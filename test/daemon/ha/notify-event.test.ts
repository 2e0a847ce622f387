// keepalived notify lines and script arguments → events; garbage → results, never exceptions.
import { describe, expect, it } from 'vitest';
import { decodeNotifyArgs, decodeNotifyLine, isTransition } from '../../../daemon/src/ha/notify-event.js';

describe('decodeNotifyLine', () => {
  it.each([
    ['GROUP "HALF" MASTER 0', { type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 }],
    ['INSTANCE "half_lan0" BACKUP 100', { type: 'INSTANCE', name: 'half_lan0', state: 'BACKUP', priority: 100 }],
    ['INSTANCE "half_lan0" FAULT 150\r', { type: 'INSTANCE', name: 'half_lan0', state: 'FAULT', priority: 150 }],
    ['INSTANCE "half_wan0" DELETED 255', { type: 'INSTANCE', name: 'half_wan0', state: 'DELETED', priority: 255 }],
    ['INSTANCE "half_lan0" MASTER_RX_LOWER_PRI 150', { type: 'INSTANCE', name: 'half_lan0', state: 'MASTER_RX_LOWER_PRI', priority: 150 }],
  ])('decodes %j', (line, event) => {
    expect(decodeNotifyLine(line)).toEqual({ ok: true, event });
  });

  it('finds keepalived\'s line after a fragment another writer left unfinished, and sets the fragment apart', () => {
    expect(decodeNotifyLine('INSTANCE "half_lan0" BACINSTANCE "half_lan0" MASTER 150')).toEqual({
      ok: true, event: { type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 150 }, fragment: 'INSTANCE "half_lan0" BAC',
    });
    expect(decodeNotifyLine('GROUP "xGROUP "HALF" FAULT 0')).toEqual({ ok: true, event: { type: 'GROUP', name: 'HALF', state: 'FAULT', priority: 0 }, fragment: 'GROUP "x' });
    expect(decodeNotifyLine('\u0000\u0001garbageGROUP "HALF" MASTER 0')).toMatchObject({ ok: true, event: { state: 'MASTER' }, fragment: '\u0000\u0001garbage' });
  });

  it('takes no name with a quote in it (keepalived does not escape them; HALF\'s names have none)', () => {
    expect(decodeNotifyLine('INSTANCE "a "quoted" name" STOP 1')).toMatchObject({ ok: false, ignored: false });
  });

  it.each([
    ['', 'empty line'],
    ['GROUP HALF MASTER 0', 'not "GROUP|INSTANCE "name" STATE priority"'],
    ['GROUP "HALF" {UNKNOWN} 0', 'unknown state "{UNKNOWN}"'],
    ['GROUP "HALF" master 0', 'not "GROUP|INSTANCE "name" STATE priority"'],
    ['INSTANCE "x" MASTER 256', 'priority "256" is not 0-255'],
    ['INSTANCE "x" MASTER -1', 'not "GROUP|INSTANCE "name" STATE priority"'],
    ['INSTANCE "" MASTER 1', 'not "GROUP|INSTANCE "name" STATE priority"'],
    ['GROUP "HALF" MASTER 0 extra', 'not "GROUP|INSTANCE "name" STATE priority"'],
    ['INSTANCE "a\u001b[2Jb" MASTER 1', 'empty name, or one with a control character'],
    ['INSTANCE "a\rb" MASTER 1', 'empty name, or one with a control character'],
    ['INSTANCE "a\tb" MASTER 1', 'empty name, or one with a control character'],
  ])('refuses %j', (line, reason) => {
    expect(decodeNotifyLine(line)).toEqual({ ok: false, ignored: false, reason });
  });

  it('sets aside checker lines', () => {
    expect(decodeNotifyLine('VS [192.0.2.15]:tcp:80 UP')).toMatchObject({ ok: false, ignored: true });
    expect(decodeNotifyLine('RS [192.0.2.4]:tcp:80 [192.0.2.15]:tcp:80 DOWN')).toMatchObject({ ok: false, ignored: true });
  });

  it('never throws on random bytes', () => {
    let seed = 3;
    const next = (): number => (seed = (seed * 48271) % 2147483647);
    for (let i = 0; i < 5000; i++) {
      const bytes = Buffer.from(Array.from({ length: next() % 60 }, () => next() % 256));
      const prefix = ['GROUP "', 'INSTANCE "', ''][next() % 3] as string;
      expect(() => decodeNotifyLine(prefix + bytes.toString('latin1'))).not.toThrow();
    }
  });
});

describe('decodeNotifyArgs', () => {
  it('takes the last four arguments, the name unquoted', () => {
    expect(decodeNotifyArgs(['extra', 'GROUP', 'HALF', 'BACKUP', '0'])).toEqual({ ok: true, event: { type: 'GROUP', name: 'HALF', state: 'BACKUP', priority: 0 } });
    expect(decodeNotifyArgs(['GROUP', 'HALF'])).toMatchObject({ ok: false, reason: 'expected 4 arguments (GROUP|INSTANCE name state priority), got 2' });
    expect(decodeNotifyArgs(['VS', 'x', 'MASTER', '0'])).toMatchObject({ ok: false, reason: 'unknown target type "VS"' });
    expect(decodeNotifyArgs(['INSTANCE', 'a\u007fb', 'MASTER', '0'])).toMatchObject({ ok: false, reason: 'empty name, or one with a control character' });
  });
});

describe('isTransition', () => {
  it('separates transitions from informational states', () => {
    expect(isTransition({ type: 'GROUP', name: 'HALF', state: 'FAULT', priority: 0 })).toBe(true);
    expect(isTransition({ type: 'INSTANCE', name: 'x', state: 'MASTER_PRIORITY', priority: 90 })).toBe(false);
  });
});
