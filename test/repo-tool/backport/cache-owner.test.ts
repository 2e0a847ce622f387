// A backport cache the maintainer cannot write (root's builds made it, half-repo now runs as
// another user, or the folder is immutable): a configuration error that names the folder and
// the two ways out, not an internal error with a stack (EACCES from the private apt's files).
import { chmod, mkdir, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPrivateApt } from '../../../repo-tool/src/backport/private-apt.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { HALF_REPO_BIN, PROJECT_ROOT } from '../../helpers/half-repo-cli.js';
import { run } from '../../helpers/tools.js';

const NOBODY = 65534;
let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-cache-owner-'));
  await chmod(dir, 0o755);
});
afterAll(async () => {
  await run('chattr', ['-R', '-i', dir]);
  await rm(dir, { recursive: true, force: true });
});

it.runIf(process.getuid?.() === 0)('is refused with the folder named when the apt folder cannot be written (an immutable folder, as root)', async () => {
  const aptRoot = join(dir, 'immutable', 'apt');
  await mkdir(aptRoot, { recursive: true });
  await run('chattr', ['+i', aptRoot], { check: true });
  const error = await openPrivateApt(aptRoot, { uri: 'http://mirror.invalid/debian', signedBy: undefined }, ['bookworm']).catch((e: unknown) => e);
  expect(error).toBeInstanceOf(ConfigError);
  expect((error as ConfigError).message).toMatch(new RegExp(`^the backport cache's apt folder ${aptRoot} is not writable here \\(EPERM: ${aptRoot}/`));
  expect((error as ConfigError).hint).toContain('XDG_CACHE_HOME');
});

it.runIf(process.getuid?.() === 0)('is refused, exit 9 (configuration), when another user runs half-repo backport on root\'s cache', async () => {
  // the checkout must be readable by that user (CI clones may sit under a private home)
  const readable = await run('setpriv', ['--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups', 'test', '-r', HALF_REPO_BIN]);
  if (readable.exitCode !== 0) {
    console.warn(`cache-owner: ${PROJECT_ROOT} is not readable by uid ${NOBODY}; the other-user case is covered by the immutable one only`);
    return;
  }
  const cache = join(dir, 'root-cache');
  await mkdir(join(cache, 'half', 'backports', 'apt'), { recursive: true }); // as root's builds leave it
  const home = join(dir, 'home');
  await mkdir(home);
  await run('chown', [`${NOBODY}:${NOBODY}`, home], { check: true });
  const result = await run('setpriv', [
    '--reuid', String(NOBODY), '--regid', String(NOBODY), '--clear-groups',
    'env', `HOME=${home}`, `XDG_CACHE_HOME=${cache}`, `XDG_DATA_HOME=${home}/data`, 'SOURCE_DATE_EPOCH=1764115200',
    process.execPath, HALF_REPO_BIN, 'backport', 'keepalived', '--suite', 'bookworm', '--out', join(home, 'public'),
  ], { cwd: PROJECT_ROOT, timeoutMs: 120_000 });
  expect(result.exitCode, result.stderr).toBe(9);
  expect(result.stderr).toContain(`the backport cache's apt folder ${join(cache, 'half', 'backports', 'apt')} is not writable here (EACCES`);
  expect(result.stderr).toContain('set XDG_CACHE_HOME to a folder of yours');
  expect(result.stderr).not.toMatch(/internal error|\n\s+at /);
  const out = await run('test', ['-e', join(home, 'public')]);
  expect(out.exitCode).not.toBe(0);
});
