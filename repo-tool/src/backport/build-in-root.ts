// The build itself, in a fresh copy of the builder image: fetch the planned source with the
// private apt, point the root's apt at the machine's mirror, unpack with dpkg-source -x (which
// checks the .dsc's checksums), apply the debian/ edits, install the build dependencies with
// apt-get build-dep, then dpkg-buildpackage -us -uc -sa: binaries plus the rebuilt source package
// (.dsc, .debian.tar.xz, with the .orig tarball it names). Outputs land in <root>/build.
import { copyFile, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { dirname, join } from 'node:path';
import { versionWithoutEpoch } from '../deb/version.js';
import type { BackportPlan, ProgressSink } from './backport-plan.js';
import { CHROOT_SOURCES_PATH, chrootSources } from './chroot-sources.js';
import { inDirectory, runInRoot } from './chroot-run.js';
import { debianEdits, type DebianTreeState } from './debian-edits.js';
import { downloadSource, openPrivateApt } from './private-apt.js';
import { runStep, SYSTEM_PATH } from './run-step.js';

export interface BuildPaths {
  /** Host directory that becomes the build root. */
  readonly root: string;
  readonly imageTar: string;
  /** Where the private apt keeps its state (<cache>/apt). */
  readonly aptRoot: string;
  readonly logFile: string;
}

/** `/build` inside the root, as a host path. */
export function buildDirOf(root: string): string {
  return join(root, 'build');
}

/** `keepalived-2.3.3` for 1:2.3.3-1: the directory dpkg-source -x would choose. */
export function sourceDirName(pkg: string, version: string): string {
  return `${pkg}-${versionWithoutEpoch(version).replace(/-[^-]*$/, '')}`;
}

export async function buildInRoot(plan: BackportPlan, paths: BuildPaths, progress: ProgressSink): Promise<void> {
  const { root, logFile } = paths;
  const started = Date.now();
  const say = (what: string): void =>
    progress.info(`backport ${plan.package} ${plan.version}: [+${Math.round((Date.now() - started) / 1000)} s] ${what}`);
  const build = buildDirOf(root);

  say('unpacking the build image');
  await mkdir(root, { recursive: true });
  await runStep('tar', ['--extract', '--file', paths.imageTar, '--directory', root, '--numeric-owner', '--preserve-permissions'], {
    step: 'unpack build image',
    env: { PATH: SYSTEM_PATH },
    logFile,
    hint: `the image may be damaged: delete ${paths.imageTar} and run again`,
  });
  await mkdir(build, { recursive: true });

  say(`fetching ${plan.source.version} from ${plan.source.suite}`);
  const apt = await openPrivateApt(paths.aptRoot, plan.mirror, plan.aptSuites);
  await downloadSource(apt, plan.package, plan.source.version, plan.source.files, build);

  const sources = chrootSources(plan.mirror, plan.targetSuite);
  for (const keyring of sources.keyrings) {
    const host = join(root, keyring.chrootPath);
    await mkdir(dirname(host), { recursive: true });
    if (keyring.hostPath !== undefined) await copyFile(keyring.hostPath, host);
    else await writeFile(host, keyring.text ?? '');
  }
  await writeFile(join(root, 'etc/apt/sources.list'), '');
  await writeFile(join(root, CHROOT_SOURCES_PATH), sources.sources);
  const resolv = await readFile('/etc/resolv.conf').catch(() => undefined);
  if (resolv !== undefined) {
    await rm(join(root, 'etc/resolv.conf'), { force: true });
    await writeFile(join(root, 'etc/resolv.conf'), resolv, { mode: 0o644 });
  }
  const hint = `see ${logFile}`;
  await runInRoot(root, ['apt-get', 'update', '-q'], { step: 'apt-get update in the build root', logFile, hint: 'check that the mirror serves the target suite' });

  say('unpacking the source (dpkg-source -x checks its checksums)');
  const dsc = plan.source.files[0]?.name ?? '';
  const srcName = sourceDirName(plan.package, plan.source.version);
  await runInRoot(root, inDirectory('/build', ['dpkg-source', '-x', dsc, srcName]), { step: 'unpack source', logFile, hint });

  say('adding the changelog entry and the HALF examples');
  const tree = join(build, srcName);
  const state: DebianTreeState = {
    changelog: await readFile(join(tree, 'debian/changelog'), 'utf8'),
    packageExamples: await readFile(join(tree, `debian/${plan.binaryPackage}.examples`), 'utf8').catch(() => undefined),
    plainExamples: await readFile(join(tree, 'debian/examples'), 'utf8').catch(() => undefined),
  };
  const edits = debianEdits(state, {
    sourcePackage: plan.package,
    sourceVersion: plan.source.version,
    binaryPackage: plan.binaryPackage,
    changelogEntry: plan.changelogEntry,
    examples: plan.examples,
  });
  for (const edit of edits) {
    await mkdir(dirname(join(tree, edit.path)), { recursive: true });
    await writeFile(join(tree, edit.path), edit.text, { mode: 0o644 });
  }

  say('installing the build dependencies (apt-get build-dep)');
  await runInRoot(root, ['apt-get', 'build-dep', '-y', '-q', '-o', 'APT::Install-Recommends=false', `/build/${srcName}`], {
    step: 'install build dependencies',
    logFile,
    hint: `a build dependency may be missing from ${plan.targetSuite}: ${hint}`,
  });

  say('building (dpkg-buildpackage -us -uc -sa)');
  await runInRoot(root, inDirectory(`/build/${srcName}`, ['dpkg-buildpackage', '-us', '-uc', '-sa']), {
    step: 'build',
    logFile,
    env: { DEB_BUILD_OPTIONS: `${plan.buildOptions} parallel=${availableParallelism()}` },
    hint,
  });
}
