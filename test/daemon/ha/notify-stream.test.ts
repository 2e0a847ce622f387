// Reassembling FIFO reads into lines: any split of the bytes gives the same events; malformed,
// checker and over-long lines are counted, never thrown.
import { describe, expect, it } from 'vitest';
import { MAX_LINE, NotifyStreamDecoder } from '../../../daemon/src/ha/notify-stream.js';

const TEXT = 'INSTANCE "half_lan0" BACKUP 150\nGROUP "HALF" BACKUP 0\nnonsense\nVS [192.0.2.1]:tcp:80 UP\nINSTANCE "half_lan0" MASTER 150\nGROUP "HALF" MASTER 0\n';

describe('NotifyStreamDecoder', () => {
  it('gives the same events for every split point', () => {
    const bytes = Buffer.from(TEXT);
    const whole = new NotifyStreamDecoder().push(bytes);
    expect(whole.map((e) => `${e.type} ${e.name} ${e.state}`)).toEqual([
      'INSTANCE half_lan0 BACKUP', 'GROUP HALF BACKUP', 'INSTANCE half_lan0 MASTER', 'GROUP HALF MASTER',
    ]);
    for (let cut = 0; cut <= bytes.length; cut++) {
      const decoder = new NotifyStreamDecoder();
      const events = [...decoder.push(bytes.subarray(0, cut)), ...decoder.push(bytes.subarray(cut))];
      expect(events).toEqual(whole);
      expect(decoder.counters).toEqual({ events: 4, ignored: 1, malformed: 1, overlong: 0 });
    }
  });

  it('byte by byte, keeps the last problem for status', () => {
    const decoder = new NotifyStreamDecoder();
    const events = [...Buffer.from(TEXT)].flatMap((b) => decoder.push(Uint8Array.of(b)));
    expect(events).toHaveLength(4);
    expect(decoder.lastProblem).toBe('not "GROUP|INSTANCE "name" STATE priority"');
  });

  it('drops an over-long line with no event at its end and resumes at the next newline, saying so', () => {
    const dropped: string[] = [];
    const decoder = new NotifyStreamDecoder((reason) => dropped.push(reason));
    const junk = Buffer.alloc(MAX_LINE * 3, 0x41);
    expect(decoder.push(junk)).toEqual([]);
    expect(decoder.push(Buffer.from('AAAA\nGROUP "HALF" FAULT 0\n'))).toEqual([{ type: 'GROUP', name: 'HALF', state: 'FAULT', priority: 0 }]);
    expect(decoder.counters).toEqual({ events: 1, ignored: 0, malformed: 0, overlong: 1 });
    expect(dropped).toEqual([`a line longer than ${MAX_LINE} bytes was dropped`]);
  });

  it('acts on keepalived\'s line after an unfinished one another writer left, and logs the fragment escaped', () => {
    const dropped: string[] = [];
    const decoder = new NotifyStreamDecoder((reason) => dropped.push(reason));
    expect(decoder.push(Buffer.from('INSTANCE "half_lan0" BAC\x1b[31m'))).toEqual([]); // that writer died here
    expect(decoder.push(Buffer.from('GROUP "HALF" MASTER 0\nno\x1b[31mred\n'))).toEqual([{ type: 'GROUP', name: 'HALF', state: 'MASTER', priority: 0 }]);
    expect(decoder.counters).toEqual({ events: 1, ignored: 0, malformed: 2, overlong: 0 });
    expect(dropped).toEqual([
      'an unfinished line from another writer was dropped before GROUP "HALF" MASTER: "INSTANCE \\"half_lan0\\" BAC\\x1b[31m"',
      'a line was dropped: not "GROUP|INSTANCE "name" STATE priority": "no\\x1b[31mred"',
    ]);
  });

  it('acts on keepalived\'s line after an unfinished one longer than MAX_LINE, fed in any pieces', () => {
    for (const piece of [1, 7, 4096]) {
      const dropped: string[] = [];
      const decoder = new NotifyStreamDecoder((reason) => dropped.push(reason));
      const bytes = Buffer.concat([Buffer.alloc(2000, 0x41), Buffer.from('INSTANCE "half_lan0" MASTER 100\nGROUP "HALF" BACKUP 50\n')]);
      const events: unknown[] = [];
      for (let at = 0; at < bytes.length; at += piece) events.push(...decoder.push(bytes.subarray(at, at + piece)));
      expect(events, `pieces of ${piece}`).toEqual([
        { type: 'INSTANCE', name: 'half_lan0', state: 'MASTER', priority: 100 },
        { type: 'GROUP', name: 'HALF', state: 'BACKUP', priority: 50 },
      ]);
      expect(decoder.counters).toEqual({ events: 2, ignored: 0, malformed: 0, overlong: 1 });
      expect(dropped).toEqual([`a line longer than ${MAX_LINE} bytes was dropped before INSTANCE "half_lan0" MASTER, which is acted on`]);
    }
  });

  it('holds an unfinished line until its newline', () => {
    const decoder = new NotifyStreamDecoder();
    expect(decoder.push(Buffer.from('GROUP "HALF" MASTER 0'))).toEqual([]);
    expect(decoder.push(Buffer.from('\n'))).toHaveLength(1);
  });
});
