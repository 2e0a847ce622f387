// `half-repo backport PACKAGE [--suite S]` as a maintainer meets it: a suite named on the command
// line must be built (a backport that cannot be is the command's failure, with the error's exit
// code, not Debian's package kept with a warning and exit 0); a cache below a file is the
// environment's problem (exit 9, naming the path), not an internal error; a name the file does
// not list is a definition error (exit 3), as docs/backport.md says of a misspelt name.
import { cp, mkdir, mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianArchive } from '../../../repo-tool/src/apt/machine-sources.js';
import { defaultBackportCacheDir } from '../../../repo-tool/src/backport/backport-cache.js';
import { privateAptDirName } from '../../../repo-tool/src/backport/private-apt-config.js';
import { TARGET_RELEASES } from '../../../repo-tool/src/backport/suites.js';
import { requiringSuites } from '../../../repo-tool/src/build/backports.js';
import { HALF_REPO_BIN, halfRepo, PROJECT_ROOT } from '../../helpers/half-repo-cli.js';
import { requireTool, run } from '../../helpers/tools.js';

const NOBODY = 65534;
let work: string;

beforeAll(async () => {
  work = await mkdtemp(join(tmpdir(), 'half-backport-cli-'));
});
afterAll(() => rm(work, { recursive: true, force: true }));

it('takes a suite named on the command line out of "optional"', () => {
  const spec = { package: 'keepalived', suites: ['bookworm', 'trixie'], sourceDateEpoch: 0, iteration: 1, maintainer: 'M <m@example.org>', optional: ['trixie'] };
  expect(requiringSuites(spec, ['trixie']).optional).toEqual([]);
  expect(requiringSuites(spec, ['bookworm']).optional).toEqual(['trixie']);
  expect(requiringSuites(spec, []).optional).toEqual(['trixie']);
});

it('refuses a package pkgs/backports.json does not name as a definition error (exit 3), naming those it does', async () => {
  const result = await halfRepo(['backport', 'nosuch', '--out', join(work, 'never')], { env: { XDG_DATA_HOME: work } });
  expect(result.stderr).toMatch(/half-repo: error: nosuch is not in pkgs\/backports\.json\n  fix: check the name \(backported: keepalived\)/);
  expect(result.exitCode, result.stderr).toBe(3);
});

it('says that XDG_CACHE_HOME is a file (exit 9, the path and the fix), with no stack', async () => {
  const result = await halfRepo(['backport', 'keepalived', '--suite', 'bookworm', '--out', join(work, 'never')], { env: { XDG_CACHE_HOME: '/etc/passwd', XDG_DATA_HOME: work } });
  expect(result.stderr).not.toMatch(/internal error|    at /);
  expect(result.stderr).toMatch(/half-repo: error: the backport cache \/etc\/passwd\/half\/backports\/apt: cannot mkdir \/etc\/passwd\/half\S*: not a directory \(ENOTDIR\)\n  fix: .*XDG_CACHE_HOME/);
  expect(result.exitCode, result.stderr).toBe(9);
  await expect(stat(join(work, 'never'))).rejects.toMatchObject({ code: 'ENOENT' });
});

describe.runIf(process.getuid?.() === 0)('run by an account that cannot build (not root)', () => {
  it('fails (exit 9, "needs root") for an optional suite named with --suite, and publishes nothing', async () => {
    requireTool('setpriv');
    const home = join(work, 'nobody');
    const cache = join(home, 'cache');
    const out = join(home, 'public');
    await mkdir(out, { recursive: true });
    // the Sources lists root's runs read already, so the plan only revalidates them (apt-get update)
    const archive = await debianArchive();
    const suites = ['trixie', ...TARGET_RELEASES.trixie.sourceSuites.filter((s) => s !== 'trixie')];
    const lists = join(defaultBackportCacheDir(), 'apt', privateAptDirName({ uri: archive.uri, signedBy: archive.source.signedBy }, suites));
    if (await stat(lists).then(() => true, () => false)) await cp(lists, join(cache, 'half/backports/apt', privateAptDirName({ uri: archive.uri, signedBy: archive.source.signedBy }, suites)), { recursive: true });
    await run('chown', ['-R', `${NOBODY}:${NOBODY}`, home], { check: true });
    await run('chmod', ['755', work], { check: true });
    const result = await run('setpriv', [`--reuid=${NOBODY}`, `--regid=${NOBODY}`, '--clear-groups', process.execPath, HALF_REPO_BIN, 'backport', 'keepalived', '--suite', 'trixie', '--out', out], {
      cwd: PROJECT_ROOT,
      env: { HOME: home, XDG_CACHE_HOME: cache, XDG_DATA_HOME: home, SOURCE_DATE_EPOCH: '1764115200' },
      timeoutMs: 600_000,
    });
    if (/→ .* above trixie's/.test(result.stderr) === false) return; // nothing newer than trixie's own: no backport to ask for
    expect(result.stderr).toMatch(/half-repo: error: building the keepalived backport for trixie needs root[\s\S]*fix: run it as root/);
    expect(result.stderr).not.toContain("keeps Debian's own");
    expect(result.exitCode, result.stderr).toBe(9);
    await expect(stat(join(out, 'dists'))).rejects.toMatchObject({ code: 'ENOENT' });
  });
});
