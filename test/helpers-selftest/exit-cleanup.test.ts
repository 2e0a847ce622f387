import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { mountsUnder } from '../helpers/mounts.js';
import { isRunning } from '../helpers/root-processes.js';
import { run } from '../helpers/tools.js';

const fixture = join(dirname(fileURLToPath(import.meta.url)), 'fixtures/abandon-resources.ts');

describe('cleanup on process exit', () => {
  it.each(['exit', 'throw'])('undoes chroots and namespaces a process abandoned (%s)', async (how) => {
    const child = await run(process.execPath, ['--import', 'tsx', fixture, how], { timeoutMs: 300_000 });
    const line = child.stdout.split('\n').find((l) => l.startsWith('{'));
    expect(line, child.stderr).toBeDefined();
    const { dir, ns, pids } = JSON.parse(line as string) as { dir: string; ns: string; pids: number[] };
    expect(pids).toHaveLength(2); // one in the namespace, one in the chroot
    expect(child.exitCode).toBe(how === 'exit' ? 0 : 1);
    expect(mountsUnder(dirname(dir))).toEqual([]);
    expect(existsSync(dirname(dir))).toBe(false);
    for (const pid of pids) expect(isRunning(pid), `pid ${pid}`).toBe(false);
    const namespaces = await run('ip', ['netns', 'list'], { check: true });
    expect(namespaces.stdout.split('\n').map((l) => l.split(' ')[0])).not.toContain(ns);
  });
});
