// What the filesystem under the backport cache refuses is the environment's problem, said with
// the path and the fix (a ConfigError, exit 9), never an internal error with a stack: a cache
// folder that is a file (XDG_CACHE_HOME=/etc/passwd), a full disk while a build is collected and
// stored (a small tmpfs, as root), the flock holder's plain Errors.
import { mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { acquireBuildLock } from '../../../repo-tool/src/backport/build-lock.js';
import { cacheFileError } from '../../../repo-tool/src/backport/cache-error.js';
import { runBackport } from '../../../repo-tool/src/backport/run-backport.js';
import { ConfigError, HalfRepoError, ToolError } from '../../../repo-tool/src/model/errors.js';
import { fakeBuilder } from '../../helpers/fake-backport-builder.js';
import { mount, unmountUnder } from '../../helpers/mounts.js';

const plan = { package: 'keepalived', targetSuite: 'bookworm', architecture: 'amd64', cacheKey: 'keepalived-bookworm-00000000000000000000000000000000', version: '1:2.3.3-1~bpo12+half1' } as BackportPlan;
const errno = (code: string, syscall: string, path: string): NodeJS.ErrnoException =>
  Object.assign(new Error(`${code}: some reason, ${syscall} '${path}'`), { code, syscall, path });
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-cache-error-'));
});
afterAll(async () => {
  await unmountUnder(dir);
  await rm(dir, { recursive: true, force: true });
});

describe('cacheFileError', () => {
  it('names the path, the failed call and the fix of a file in the way and of a full disk', () => {
    const notDir = cacheFileError(errno('ENOTDIR', 'mkdir', '/etc/passwd/half'), '/etc/passwd/half/backports');
    expect(notDir).toBeInstanceOf(ConfigError);
    expect(notDir?.exitCode).toBe(9);
    expect(notDir?.message).toBe('the backport cache /etc/passwd/half/backports: cannot mkdir /etc/passwd/half: some reason (ENOTDIR)');
    expect(notDir?.hint).toMatch(/^\/etc\/passwd\/half \(or a folder above it\) is not the folder .*XDG_CACHE_HOME/);
    const full = cacheFileError(errno('ENOSPC', 'write', '/c/x/backport.json'), '/c');
    expect(full?.hint).toMatch(/^free space on the filesystem of \/c .*or set XDG_CACHE_HOME/);
  });

  it('reads through a cause (flock-hold.ts wraps the system error), and leaves typed errors and others alone', () => {
    const wrapped = new Error('flock /c/k.flock: EROFS', { cause: errno('EROFS', 'open', '/c/k.flock') });
    expect(cacheFileError(wrapped, '/c')?.message).toBe('the backport cache /c: cannot open /c/k.flock: some reason (EROFS)');
    expect(cacheFileError(new ToolError('apt-get failed', { cause: errno('ENOSPC', 'write', '/c') }), '/c')).toBeUndefined();
    expect(cacheFileError(errno('ENOENT', 'open', '/c/x.changes'), '/c')).toBeUndefined();
    expect(cacheFileError(new TypeError('a bug'), '/c')).toBeUndefined();
    expect(cacheFileError(errno('EACCES', 'scandir', '/srv/public/pool'), '/c')).toBeUndefined();
  });
});

it('refuses a cache folder below a file with a ConfigError naming it, not an internal error', async () => {
  const error = await runBackport(plan, { cacheDir: '/etc/passwd/half/backports', builder: fakeBuilder(() => ({ deb: 'd', orig: 'o', debianTar: 't' })) }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as HalfRepoError).message).toMatch(/^the backport cache \/etc\/passwd\/half\/backports: cannot \w+ \/etc\/passwd\/half\S*: .*\(ENOTDIR\)$/);
});

it('wraps the flock holder\'s plain Errors: the filesystem\'s as a ConfigError, the rest as a ToolError, naming the lock', async () => {
  const notDir = await acquireBuildLock('/etc/passwd/k.flock', () => undefined).catch((e: unknown) => e);
  expect(notDir).toBeInstanceOf(ConfigError);
  expect((notDir as Error).message).toContain('/etc/passwd/k.flock');
  const missing = join(dir, 'no-such-folder', 'k.flock');
  const other = await acquireBuildLock(missing, () => undefined).catch((e: unknown) => e);
  expect(other).toBeInstanceOf(ToolError);
  expect((other as Error).message).toMatch(new RegExp(`^cannot take the build lock ${missing}: flock ${missing}: ENOENT`));
});

it.runIf(process.getuid?.() === 0)('says that the disk is full when the cache fills up while a build is collected and stored (ENOSPC)', async () => {
  const cacheDir = join(dir, 'small');
  await mkdir(cacheDir);
  await mount(['-t', 'tmpfs', '-o', 'size=256k,mode=0755', 'tmpfs', cacheDir]);
  // the build's files fit; what it leaves on the disk does not leave room for backport.json
  const builder = fakeBuilder(() => ({ deb: 'd'.repeat(8192), orig: 'o', debianTar: 't' }));
  const filling = {
    build: async (...args: Parameters<typeof builder.build>): Promise<string> => {
      const made = await builder.build(...args);
      await writeFile(join(args[1].work, 'filler'), Buffer.alloc(1 << 20)).catch(() => undefined);
      return made;
    },
  };
  const error = await runBackport(plan, { cacheDir, builder: filling }).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as HalfRepoError).message).toMatch(new RegExp(`^the backport cache ${cacheDir}: cannot \\w+ ${cacheDir}\\S*: no space left on device \\(ENOSPC\\)$`));
  expect((error as HalfRepoError).hint).toMatch(/^free space on the filesystem/);
  expect((await readdir(cacheDir)).filter((name) => name.startsWith('work-') || name === plan.cacheKey)).toEqual([]);
});
