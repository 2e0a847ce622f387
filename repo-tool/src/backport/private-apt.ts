// The private apt of a backport (see private-apt-config.ts): write its files, `apt-get update`
// its Sources indexes, ask which version of a source package a suite has, and download one. The
// hashes apt checks come from the suites' signed Release files, verified with the Signed-By keys.
import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError, ToolError } from '../model/errors.js';
import { cacheFileError } from './cache-error.js';
import { privateAptDirName, privateAptFiles, SOURCES_NAME, EMBEDDED_KEY_NAME, type MirrorSource } from './private-apt-config.js';
import { runStep, tryStep, SYSTEM_PATH } from './run-step.js';
import { isSourceNotFound, parseSourceListing, type SourceFile, type SourceListing } from './source-listing.js';

export interface PrivateApt {
  readonly dir: string;
  readonly suites: readonly string[];
  readonly env: Readonly<Record<string, string>>;
}

/** apt-get under flock(1) on the private directory: parallel plans (or test files) sharing it
 *  take turns instead of failing on apt's lists lock or reading lists mid-update. */
function aptGet(apt: PrivateApt, args: readonly string[]): [string, string[], { display: string; env: Readonly<Record<string, string>> }] {
  const display = `APT_CONFIG=${apt.env['APT_CONFIG'] ?? ''} apt-get ${args.join(' ')}`;
  return ['flock', ['--exclusive', join(apt.dir, 'half-backport.lock'), 'apt-get', ...args], { display, env: apt.env }];
}

/** Puts `text` at `path` unless it holds it already. The files are shared by every plan and build
 *  of these suites and apt-get reads them under its flock, which these writes do not take: the
 *  text goes to a temporary name in `dir` (beside, never inside, the folders apt reads) and is
 *  renamed into place, so a reader sees the old text or the new, never a truncated file. */
async function putFile(dir: string, path: string, text: string, mode = 0o644): Promise<void> {
  if ((await readFile(path, 'utf8').catch(() => undefined)) === text) return;
  const temp = join(dir, `.tmp-${process.pid}.${randomBytes(4).toString('hex')}`);
  try {
    await writeFile(temp, text, { mode });
    await rename(temp, path);
  } finally {
    await rm(temp, { force: true });
  }
}

/** Writes the private configuration under `<aptRoot>/<hash of mirror and suites>/`. Every writer
 *  writes the same texts (the folder's name is a hash of what they are made of). */
export async function openPrivateApt(aptRoot: string, mirror: MirrorSource, suites: readonly string[]): Promise<PrivateApt> {
  const dir = join(aptRoot, privateAptDirName(mirror, suites));
  const files = privateAptFiles(dir, mirror, suites);
  try {
    await mkdir(join(dir, 'sources.list.d'), { recursive: true });
    await mkdir(join(dir, 'state/lists/partial'), { recursive: true });
    await mkdir(join(dir, 'cache'), { recursive: true });
    await putFile(dir, join(dir, 'sources.list'), '');
    await putFile(dir, join(dir, 'state/status'), '');
    await putFile(dir, join(dir, 'sources.list.d', SOURCES_NAME), files.sources);
    if (files.embeddedKey !== undefined) await putFile(dir, join(dir, EMBEDDED_KEY_NAME), files.embeddedKey);
    await putFile(dir, join(dir, 'apt.conf'), files.aptConf);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EACCES' && code !== 'EPERM' && code !== 'EROFS') throw cacheFileError(error, aptRoot) ?? error;
    // a cache that root's builds made, read by a maintainer's own account
    throw new ConfigError(`the backport cache's apt folder ${aptRoot} is not writable here (${code}: ${(error as NodeJS.ErrnoException).path ?? dir})`, {
      hint: 'run half-repo as the user that owns the cache (root, which builds the backports), or set XDG_CACHE_HOME to a folder of yours (its first backport reads the Debian indexes again and needs root to build)',
      cause: error,
    });
  }
  const env = { PATH: SYSTEM_PATH, LC_ALL: 'C.UTF-8', APT_CONFIG: join(dir, 'apt.conf') };
  return { dir, suites, env };
}

/** Downloads (or revalidates) the Sources indexes of every suite. */
export async function updatePrivateApt(apt: PrivateApt): Promise<void> {
  const [command, args, shown] = aptGet(apt, ['update', '-q', '-o', 'APT::Update::Error-Mode=any']);
  await runStep(command, args, {
    ...shown,
    step: `read Debian sources (${apt.suites.join(', ')})`,
    hint: 'check that the machine reaches its Debian mirror (apt-get update) and that these suites exist there',
  });
}

/** True once an update has left Sources indexes behind. */
export async function hasLists(apt: PrivateApt): Promise<boolean> {
  const names = await readdir(join(apt.dir, 'state/lists')).catch(() => [] as string[]);
  return names.some((name) => name.includes('_source_Sources'));
}

/** The version of `pkg` in `suite` with its files, or undefined when the suite has no such source. */
export async function sourceInSuite(apt: PrivateApt, pkg: string, suite: string): Promise<SourceListing | undefined> {
  const [command, args, shown] = aptGet(apt, ['source', '--print-uris', '--only-source', '-q', `${pkg}/${suite}`]);
  const result = await tryStep(command, args, { ...shown, step: `look up ${pkg} in ${suite}` });
  if (result.exitCode !== 0) {
    if (isSourceNotFound(result.stderr)) return undefined;
    throw new ToolError(`cannot look up source package ${pkg} in ${suite}: "${result.command}" exited with ${result.exitCode}: ${result.stderr.trim()}`, {
      hint: 'check the mirror and the suite name',
    });
  }
  return parseSourceListing(result.stdout, result.command);
}

/** Downloads `pkg=version` into `destDir` (which must exist) and checks every file against `files`. */
export async function downloadSource(apt: PrivateApt, pkg: string, version: string, files: readonly SourceFile[], destDir: string): Promise<void> {
  if (!(await hasLists(apt))) await updatePrivateApt(apt);
  const [command, args, shown] = aptGet(apt, ['source', '--download-only', '--only-source', '-q', `${pkg}=${version}`]);
  await runStep(command, args, {
    ...shown,
    step: `fetch ${pkg} ${version}`,
    cwd: destDir,
    hint: 'the mirror did not serve every file of the planned source (see the "Err" lines): check the mirror, or plan again if it has moved on to a newer version',
  });
  for (const file of files) {
    const bytes = await readFile(join(destDir, file.name)).catch(() => undefined);
    const sha256 = bytes === undefined ? undefined : createHash('sha256').update(bytes).digest('hex');
    if (sha256 !== file.sha256 || bytes?.byteLength !== file.size) {
      throw new ToolError(`fetched ${file.name} does not match the plan (size ${bytes?.byteLength ?? 'missing'}, sha256 ${sha256 ?? '-'}; planned ${file.size}, ${file.sha256})`, {
        hint: 'the mirror changed since the plan was made: plan the backport again',
      });
    }
  }
}
