// The reference's notify script, run by sh(1) as keepalived would: it logs each transition with
// a timestamp the harness reads back, and reports a conntrackd command that fails.
import { chmod, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../helpers/tools.js';
import { parseNotifyLog, renderNotifyScript } from './notify-script.js';

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-notify-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function script(name: string, text: string): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, text);
  await chmod(path, 0o755);
  return path;
}

describe('renderNotifyScript', () => {
  it('is valid sh', async () => {
    for (const text of [renderNotifyScript({ logFile: '/x/log' }), renderNotifyScript({ logFile: '/x/log', conntrackdConf: '/x/c.conf' })]) {
      const checked = await run('sh', ['-n'], { input: text });
      expect(checked.exitCode, checked.stderr).toBe(0);
    }
  });

  it('logs every transition with nanosecond timestamps, in order', async () => {
    const log = join(dir, 'plain.log');
    const path = await script('plain.sh', renderNotifyScript({ logFile: log }));
    for (const state of ['backup', 'primary']) await run(path, [state], { check: true });
    const entries = parseNotifyLog(await readFile(log, 'utf8'));
    expect(entries.map((e) => e.event)).toEqual(['notify backup', 'notify primary']);
    expect(entries[1]!.at).toBeGreaterThanOrEqual(entries[0]!.at);
    expect(Math.abs(entries[0]!.at - Date.now())).toBeLessThan(60_000);
  });

  it('brackets the commit on primary and names a conntrackd command that failed', async () => {
    const log = join(dir, 'ctd.log');
    const path = await script('ctd.sh', renderNotifyScript({ logFile: log, conntrackdConf: join(dir, 'absent.conf') }));
    await run(path, ['primary'], { check: true });
    const events = parseNotifyLog(await readFile(log, 'utf8')).map((e) => e.event);
    expect(events[0]).toBe('notify primary');
    expect(events.indexOf('commit-start')).toBeLessThan(events.indexOf('commit-end'));
    expect(events).toContain('conntrackd -c failed: 1');
    expect(events.at(-1)).toBe('done primary');
  });
});

describe('parseNotifyLog', () => {
  it('reads "<epoch ns> <event>" lines into epoch milliseconds and skips the rest', () => {
    expect(parseNotifyLog('1795674555341594309 notify primary\ngarbage\n\n1795674555342783338 commit-start\n')).toEqual([
      { at: 1795674555341.594, event: 'notify primary' },
      { at: 1795674555342.783, event: 'commit-start' },
    ]);
  });
});
