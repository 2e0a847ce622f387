// runInRoot against a real Debian 12 root: the command sees /proc and a private devpts, runs as
// PID 1 of its own namespace, and leaves neither mounts nor processes behind on the host.
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { assertNothingMountedUnder, inDirectory, runInRoot } from '../../../repo-tool/src/backport/chroot-run.js';
import { ToolError } from '../../../repo-tool/src/model/errors.js';
import { debianRoot, type DebianRoot } from '../../helpers/chroot.js';
import { mountsUnder } from '../../helpers/mounts.js';
import { killProcessesInsideRoot, processesInsideRoot } from '../../helpers/root-processes.js';
import { requireTool } from '../../helpers/tools.js';

let root: DebianRoot;
beforeAll(async () => {
  requireTool('unshare');
  root = await debianRoot({ suite: 'bookworm' });
});
afterAll(async () => {
  await root?.cleanup();
});

describe('runInRoot', () => {
  it('runs inside the root with /proc and /dev/pts mounted, as PID 1 of a new namespace', async () => {
    const before = mountsUnder(root.dir).map((m) => m.mountPoint);
    const result = await runInRoot(root.dir, ['sh', '-c', 'echo pid=$$; cat /etc/debian_version; grep -c " /proc " /proc/self/mountinfo; ls /dev/pts'], {
      step: 'probe',
    });
    const lines = result.stdout.trim().split('\n');
    expect(lines[0]).toBe('pid=1');
    expect(lines[1]).toMatch(/^12\./);
    expect(Number(lines[2])).toBeGreaterThanOrEqual(1);
    expect(lines).toContain('ptmx');
    expect(mountsUnder(root.dir).map((m) => m.mountPoint)).toEqual(before);
  });

  it('takes every process it started down with it', async () => {
    const result = await runInRoot(root.dir, ['sh', '-c', 'sleep 300 & echo started'], { step: 'leave a sleeper' });
    expect(result.stdout).toContain('started');
    expect(await processesInsideRoot(root.dir)).toEqual([]);
  });

  it('takes every process it started down with it when half-repo itself is killed', async () => {
    const REPO = new URL('../../../', import.meta.url).pathname;
    const script = `
      import { runInRoot } from './repo-tool/src/backport/chroot-run.ts';
      console.log('running');
      await runInRoot(process.argv[1], ['sleep', '300'], { step: 'a long build' });
    `;
    const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script, root.dir], { cwd: REPO, stdio: ['ignore', 'pipe', 'inherit'] });
    await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
    for (let i = 0; i < 50 && (await processesInsideRoot(root.dir)).length === 0; i++) await new Promise((r) => setTimeout(r, 100));
    expect((await processesInsideRoot(root.dir)).length).toBeGreaterThan(0);
    child.kill('SIGKILL');
    try {
      for (let i = 0; i < 50 && (await processesInsideRoot(root.dir)).length > 0; i++) await new Promise((r) => setTimeout(r, 100));
      expect(await processesInsideRoot(root.dir)).toEqual([]);
    } finally {
      await killProcessesInsideRoot(root.dir); // by pid, only what runs inside this test's root
    }
  });

  it('runs in a directory inside the root', async () => {
    const result = await runInRoot(root.dir, inDirectory('/etc/apt', ['pwd']), { step: 'cwd' });
    expect(result.stdout.trim()).toBe('/etc/apt');
  });

  it('fails with a ToolError naming the step, the command and the tail of its output', async () => {
    const failing = runInRoot(root.dir, ['sh', '-c', 'echo first line; echo last words >&2; exit 3'], { step: 'doomed', hint: 'fix it' });
    await expect(failing).rejects.toBeInstanceOf(ToolError);
    await expect(failing).rejects.toThrow(/backport step "doomed" failed: "chroot \S+ sh -c echo first line; .*exit 3" exited with 3:\nfirst line\nlast words$/);
  });
});

describe('assertNothingMountedUnder', () => {
  it('refuses a tree with mounts below it, and allows a plain one', async () => {
    expect(() => assertNothingMountedUnder(root.dir)).toThrow(ToolError);
    expect(() => assertNothingMountedUnder(root.dir)).toThrow(/still mounted below it: .*\/proc/);
    const plain = await mkdtemp(join(tmpdir(), 'half-nomount-'));
    try {
      expect(() => assertNothingMountedUnder(plain)).not.toThrow();
    } finally {
      await rm(plain, { recursive: true });
    }
  });
});
