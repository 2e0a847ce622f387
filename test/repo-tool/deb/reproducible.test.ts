// Same inputs, same bytes: every fixture built in child processes with a different working
// directory, umask, time zone, locale and XZ_OPT/XZ_DEFAULTS gives exactly the bytes built here.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildDeb } from '../../../repo-tool/src/deb/build-deb.js';
import { FIXTURE_EPOCH, fixtures, REPO_ROOT } from './helpers/fixtures.js';

const run = promisify(execFile);
const ENTRY = join(REPO_ROOT, 'test/repo-tool/deb/helpers/build-fixture.ts');
/** tsx's loader by absolute URL: `--import tsx` would resolve against the changing cwd. */
const TSX = pathToFileURL(join(REPO_ROOT, 'node_modules/tsx/dist/loader.mjs')).href;

const environments = [
  { cwd: '/', umask: '077', TZ: 'Pacific/Kiritimati', LANG: 'tr_TR.UTF-8', XZ_OPT: '-0e' },
  { cwd: 'scratch', umask: '000', TZ: 'America/St_Johns', LANG: 'ja_JP.EUC-JP', XZ_OPT: '--threads=0 --check=sha256' },
  { cwd: 'repo', umask: '022', TZ: 'UTC', LANG: 'C', XZ_OPT: '' },
] as const;

let scratch: string;
const outputs: string[] = [];

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'half-repro-'));
  await Promise.all(
    environments.map(async (env, i) => {
      const out = join(scratch, `env-${i}`);
      await mkdir(out);
      outputs[i] = out;
      const cwd = env.cwd === 'scratch' ? scratch : env.cwd === 'repo' ? REPO_ROOT : env.cwd;
      await run('sh', ['-c', `umask ${env.umask} && exec "$0" --import "${TSX}" "$@"`, process.execPath, ENTRY, out], {
        cwd,
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', HOME: process.env['HOME'] ?? '/root', TZ: env.TZ, LANG: env.LANG, LC_ALL: env.LANG, XZ_OPT: env.XZ_OPT, XZ_DEFAULTS: env.XZ_OPT },
      });
    }),
  );
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

describe('reproducible builds', () => {
  for (const { definition } of fixtures) {
    for (const compression of ['xz', 'gzip'] as const) {
      it(`${definition.name} (${compression}): identical in every environment`, async () => {
        const here = Buffer.from((await buildDeb(definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH, compression })).bytes);
        for (const out of outputs) expect((await readFile(join(out, `${definition.name}-${compression}.deb`))).equals(here)).toBe(true);
      });
    }
  }

  it('changes when the input changes (the comparison can fail)', async () => {
    const [first] = fixtures;
    if (first === undefined) throw new Error('no fixtures');
    const a = await buildDeb(first.definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH });
    const b = await buildDeb(first.definition, { root: REPO_ROOT, mtime: FIXTURE_EPOCH + 1 });
    expect(Buffer.from(a.bytes).equals(Buffer.from(b.bytes))).toBe(false);
  });
});
