// The logger's lines: journald form under systemd (priority prefix, no timestamp), timestamped
// otherwise, key=value fields quoted and escaped so a record stays one line, level threshold.
// And for real: a child process logging with JOURNAL_STREAM set and unset.
import { describe, expect, it } from 'vitest';
import { createLogger, formatLogLine, formatLogValue } from '../../../daemon/src/metrics/logger.js';
import { run } from '../../helpers/tools.js';

describe('formatLogLine', () => {
  it('writes the journald form: <priority>level message fields', () => {
    expect(formatLogLine({ level: 'info', message: 'commit done', fields: { entries: 1234, ms: 12.5, ok: true } }, { journal: true })).toBe('<6>info commit done entries=1234 ms=12.5 ok=true\n');
    expect(formatLogLine({ level: 'error', message: 'x' }, { journal: true })).toBe('<3>error x\n');
    expect(formatLogLine({ level: 'warn', message: 'x' }, { journal: true })).toBe('<4>warn x\n');
    expect(formatLogLine({ level: 'debug', message: 'x' }, { journal: true })).toBe('<7>debug x\n');
  });

  it('starts with an ISO 8601 UTC timestamp outside systemd', () => {
    expect(formatLogLine({ level: 'info', message: 'started' }, { journal: false, timeMs: Date.UTC(2026, 10, 2, 3, 4, 5, 678) })).toBe('2026-11-02T03:04:05.678Z info started\n');
  });

  it('quotes and escapes values so a record stays one line', () => {
    const line = formatLogLine({ level: 'warn', message: 'bad\nframe', fields: { from: '203.0.113.2:3781', reason: 'say "hi"\nback\\slash', empty: '', none: null, skipped: undefined, big: 2n ** 64n, 'bad key': 1 } }, { journal: true });
    expect(line).toBe('<4>warn bad frame from=203.0.113.2:3781 reason="say \\"hi\\"\\nback\\\\slash" empty="" none=null big=18446744073709551616 bad_key=1\n');
    expect(line.split('\n')).toHaveLength(2);
    expect(formatLogValue('/run/half/half.sock')).toBe('/run/half/half.sock');
    expect(formatLogValue('two words')).toBe('"two words"');
  });
});

describe('createLogger', () => {
  it('follows JOURNAL_STREAM and the level threshold', () => {
    const lines: string[] = [];
    const journal = createLogger({ write: (l) => lines.push(l), env: { JOURNAL_STREAM: '8:12345' }, wallClock: () => 0 });
    journal.debug('hidden');
    journal.info('shown', { n: 1 });
    const plain = createLogger({ write: (l) => lines.push(l), env: { HALF_LOG_LEVEL: 'debug' }, wallClock: () => 86_400_000 });
    plain.debug('now shown');
    const quiet = createLogger({ write: (l) => lines.push(l), env: {}, level: 'error' });
    quiet.warn('hidden');
    expect(lines).toEqual(['<6>info shown n=1\n', '1970-01-02T00:00:00.000Z debug now shown\n']);
  });

  it('writes to stdout in a real process, journald form only under systemd', async () => {
    const script = "import('./daemon/src/metrics/logger.ts').then(({ createLogger }) => createLogger().warn('peer silent', { peer: 2 }))";
    const under = await run('node', ['--import', 'tsx', '-e', script], { env: { JOURNAL_STREAM: '9:777' } });
    expect(under.stdout).toBe('<4>warn peer silent peer=2\n');
    const env = { ...process.env };
    delete env['JOURNAL_STREAM'];
    const outside = await run('node', ['--import', 'tsx', '-e', script], { cleanEnv: true, env: Object.fromEntries(Object.entries(env).filter((e): e is [string, string] => e[1] !== undefined)) });
    expect(outside.stdout).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z warn peer silent peer=2\n$/);
  });
});
