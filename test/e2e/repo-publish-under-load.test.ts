// Publishing never breaks a client: a Debian 13 apt (the strictest client) runs `apt-get update`
// 200 times in a loop while the repository is republished with a changed package again and
// again (at least 20 times), through the real CLI. Not one hash-sum mismatch or other error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { buildDeb } from '../../repo-tool/src/deb/build-deb.js';
import { debianRoot, type DebianRoot } from '../helpers/chroot.js';
import { halfRepo, isolatedKeyHome, PROJECT_ROOT } from '../helpers/half-repo-cli.js';
import { serveDirectory, type DirectoryServer } from '../helpers/http-server.js';

const UPDATES = 200;
const MIN_PUBLISHES = 20;

let out: string;
let work: string;
let keyHome: string;
let server: DirectoryServer;
let root: DebianRoot;

beforeAll(async () => {
  out = await mkdtemp(join(tmpdir(), 'half-e2e-churn-'));
  work = await mkdtemp(join(tmpdir(), 'half-e2e-churn-debs-'));
  keyHome = await isolatedKeyHome();
  const built = await halfRepo(['build', '--out', out, '--no-backports'], { env: { XDG_DATA_HOME: keyHome } });
  expect(built.exitCode, built.stderr).toBe(0);
  server = await serveDirectory(out);
  root = await debianRoot({ suite: 'trixie', debianSources: false });
  await root.disableDebianSources();
  await root.aptSourceForRepo({ url: server.url, suite: 'stable', component: 'half', keyringPath: join(out, 'half-archive-keyring.gpg'), name: 'half' });
}, 1_800_000);

afterAll(async () => {
  await root?.cleanup();
  await server?.close();
  for (const dir of [out, work, keyHome]) if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function churnDeb(i: number): Promise<string> {
  const deb = await buildDeb(
    {
      name: 'half-churn-test',
      version: `1.0.${i}`,
      architecture: 'all',
      maintainer: 'HALF Maintainers <half-maintainers@example.org>',
      description: { synopsis: 'package republished by the atomic-publish test', long: `Generation ${i}.` },
      files: [{ path: '/usr/share/half-churn-test/generation', content: `${i}\n`.repeat(200 + i) }],
    },
    { root: PROJECT_ROOT, mtime: 1764115200, compression: 'gzip' },
  );
  const path = join(work, deb.fileName);
  await writeFile(path, deb.bytes);
  return path;
}

it(`apt-get update ${UPDATES} times while the repository is republished: no hash-sum mismatch`, async () => {
  let loopDone = false;
  const loop = root
    .run(`for i in $(seq ${UPDATES}); do apt-get update 2>&1; echo "=== exit $?"; done`, { timeoutMs: 1_500_000 })
    .finally(() => {
      loopDone = true;
    });
  let publishes = 0;
  const failures: string[] = [];
  while (!loopDone || publishes < MIN_PUBLISHES) {
    const deb = await churnDeb(publishes + 1);
    const result = await halfRepo(['import', deb, '--out', out], { env: { XDG_DATA_HOME: keyHome } });
    if (result.exitCode !== 0) failures.push(result.stderr);
    publishes++;
    if (loopDone && publishes >= MIN_PUBLISHES) break;
  }
  const output = (await loop).stdout;
  expect(failures).toEqual([]);
  expect(publishes).toBeGreaterThanOrEqual(MIN_PUBLISHES);
  const exits = output.split('\n').filter((l) => l.startsWith('=== exit'));
  expect(exits).toHaveLength(UPDATES);
  expect(output).not.toMatch(/Hash Sum mismatch|Hashsum|File has unexpected size/i);
  expect(output.split('\n').filter((l) => /^(W|E|Err|Ign):/.test(l))).toEqual([]);
  expect(exits.filter((l) => l !== '=== exit 0')).toEqual([]);
  // The client really saw new generations while updating (the indexes changed under it).
  const gets = output.split('\n').filter((l) => l.startsWith('Get:') && l.includes('Packages'));
  expect(gets.length).toBeGreaterThan(5);
  console.log(`publishes=${publishes} index fetches=${gets.length}`);
  const verified = await halfRepo(['verify', out]);
  expect(verified.exitCode, verified.stderr).toBe(0);
}, 1_800_000);
