// The defaults of half.conf: the ports do not collide with a port this machine's services(5)
// database names, and are outside the well-known range.
import { readFile } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '../../../daemon/src/config/half-conf.js';

describe('DEFAULTS', () => {
  it.each([
    ['metricsPort', DEFAULTS.metricsPort, 'tcp'],
    ['syncPort', DEFAULTS.syncPort, 'udp'],
  ] as const)('%s %i/%s is not named in /etc/services nor well-known', async (_name, port, protocol) => {
    const services = await readFile('/etc/services', 'utf8');
    const taken = services.split('\n').filter((line) => new RegExp(`^\\S+\\s+${port}/(${protocol}|tcp|udp)\\b`).test(line));
    expect(taken).toEqual([]);
    expect(port).toBeGreaterThan(1023);
    expect(services).toMatch(/^ssh\s+22\/tcp/m); // the database is really there
  });
});
