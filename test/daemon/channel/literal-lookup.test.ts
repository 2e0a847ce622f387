// The sync sockets' lookup (daemon/src/channel/literal-lookup.ts): an IP literal is answered in
// the call itself (no turn of the tick queue before each datagram goes out), a name still
// through dns.lookup; and a real socket with it sends to a literal.
import { createSocket } from 'node:dgram';
import { once } from 'node:events';
import { describe, expect, it } from 'vitest';
import { literalLookup } from '../../../daemon/src/channel/literal-lookup.js';

describe('literalLookup', () => {
  it.each([
    ['192.0.2.7', 4, 4],
    ['2001:db8::7', 6, 6],
    ['fe80::1%lo', 6, 6],
  ] as const)('answers %s within the call', (address, family, expected) => {
    const answers: unknown[][] = [];
    literalLookup(address, family, (...args) => answers.push(args));
    expect(answers).toEqual([[null, address, expected]]);
  });

  it('leaves a name to dns.lookup', async () => {
    const answers: unknown[][] = [];
    const done = new Promise<void>((resolve) =>
      literalLookup('localhost', 4, (...args) => {
        answers.push(args);
        resolve();
      }),
    );
    expect(answers).toEqual([]);
    await done;
    expect(answers[0]).toEqual([null, '127.0.0.1', 4]);
  });

  it('is what a dgram socket uses to send to a literal', async () => {
    const rx = createSocket('udp4');
    const tx = createSocket({ type: 'udp4', lookup: literalLookup });
    try {
      rx.bind(0, '127.0.0.1');
      await once(rx, 'listening');
      const got = once(rx, 'message');
      tx.send(Buffer.from('frame'), rx.address().port, '127.0.0.1');
      const [message] = (await got) as [Buffer];
      expect(message.toString()).toBe('frame');
    } finally {
      rx.close();
      tx.close();
    }
  });
});
