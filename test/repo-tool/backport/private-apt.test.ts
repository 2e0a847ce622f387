// The private apt's files are shared by every plan and build on the machine (one directory per
// mirror and suites), and apt-get reads them under the flock that openPrivateApt's writes do not
// take: two half-repos planning at once each write them while the other's apt-get reads. So a
// write never shows a reader a truncated file (temporary name, then rename) and is skipped when
// the file already holds the same text. Hammered here by two processes while a third reads.
import { spawn } from 'node:child_process';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { openPrivateApt } from '../../../repo-tool/src/backport/private-apt.js';
import { privateAptDirName, privateAptFiles, SOURCES_NAME, type MirrorSource } from '../../../repo-tool/src/backport/private-apt-config.js';

// never contacted: no apt-get runs here
const mirror: MirrorSource = { uri: 'http://127.0.0.1:9/debian', signedBy: '/usr/share/keyrings/debian-archive-keyring.gpg' };
const suites = ['bookworm', 'trixie', 'forky', 'sid'];
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-private-apt-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

/** A process opening the private apt `times` times in a row. */
function hammer(aptRoot: string, times: number): Promise<number | null> {
  const module = pathToFileURL(resolve('repo-tool/src/backport/private-apt.ts')).href;
  const code = [
    `import { openPrivateApt } from ${JSON.stringify(module)};`,
    `const mirror = ${JSON.stringify(mirror)};`,
    `for (let i = 0; i < ${times}; i++) await openPrivateApt(${JSON.stringify(aptRoot)}, mirror, ${JSON.stringify(suites)});`,
  ].join('\n');
  const script = join(dir, `hammer-${Math.random().toString(16).slice(2)}.mts`);
  return writeFile(script, code).then(
    () => new Promise((done) => spawn(process.execPath, ['--import', 'tsx', script], { stdio: 'inherit' }).once('exit', (status) => done(status))),
  );
}

it('never shows a reader an empty or partial sources or apt.conf while two processes open it at once', async () => {
  const aptRoot = join(dir, 'apt');
  const apt = await openPrivateApt(aptRoot, mirror, suites);
  const want = privateAptFiles(apt.dir, mirror, suites);
  const files = [[join(apt.dir, 'sources.list.d', SOURCES_NAME), want.sources], [join(apt.dir, 'apt.conf'), want.aptConf]] as const;
  let done = false;
  const seen: string[] = [];
  let reads = 0;
  const reader = (async () => {
    while (!done) {
      for (const [path, text] of files) {
        const read = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => `(${e.code ?? 'error'})`);
        reads += 1;
        if (read !== text) seen.push(`${path}: ${JSON.stringify(read.slice(0, 40))}`);
      }
    }
  })();
  const statuses = await Promise.all([hammer(aptRoot, 400), hammer(aptRoot, 400)]);
  done = true;
  await reader;
  expect(statuses).toEqual([0, 0]);
  expect(reads).toBeGreaterThan(100);
  expect(seen, `${seen.length} of ${reads} reads saw another text`).toEqual([]);
});

it('leaves a file that already holds its text as it is (no write, no new inode), and puts back one that differs', async () => {
  const aptRoot = join(dir, 'again');
  const apt = await openPrivateApt(aptRoot, mirror, suites);
  const sources = join(apt.dir, 'sources.list.d', SOURCES_NAME);
  const before = await stat(sources);
  await openPrivateApt(aptRoot, mirror, suites);
  const after = await stat(sources);
  expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  await writeFile(sources, 'Types: deb-src\n');
  await openPrivateApt(aptRoot, mirror, suites);
  expect(await readFile(sources, 'utf8')).toBe(privateAptFiles(apt.dir, mirror, suites).sources);
  expect(apt.dir).toBe(join(aptRoot, privateAptDirName(mirror, suites)));
});
