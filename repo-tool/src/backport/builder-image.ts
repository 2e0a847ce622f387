// Clean Debian build roots, made once per input by mmdebstrap(1) --variant=buildd (Essential,
// apt and build-essential, as Debian's buildds use) and kept as tarballs under
// <backports cache>/images/<imageKey>.tar; a temporary name is renamed into place last, so a
// crashed bootstrap never leaves a half image behind, and one build makes it while others that
// need it wait (its lock, as a build's: build-lock.ts). Each build unpacks a fresh copy.
import { stat, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import type { ProgressSink } from './backport-plan.js';
import type { BuilderImageSpec } from './cache-key.js';
import type { MirrorSource } from './private-apt-config.js';
import { runStep, SYSTEM_PATH } from './run-step.js';
import { IMAGE_TEMP_NAME, imageTempName, leftoverLock, removeStopped, sweepHeld } from './dead-leftovers.js';
import { acquireBuildLock } from './build-lock.js';
import { ensureHostTools, MMDEBSTRAP } from './host-tools.js';

export function builderImagePath(cacheDir: string, imageKey: string): string {
  return join(cacheDir, 'images', `${imageKey}.tar`);
}

/** mmdebstrap's arguments (pure): the mirror's Signed-By keyring files verify the bootstrap. */
export function mmdebstrapArgs(spec: BuilderImageSpec, mirror: MirrorSource, output: string): string[] {
  const keyrings = (mirror.signedBy ?? '').includes('-----BEGIN PGP')
    ? []
    : (mirror.signedBy ?? '').split(/\s+/).filter((item) => item.startsWith('/'));
  const include = [...new Set(spec.packages)].sort();
  return [
    '--mode=root',
    '--format=tar',
    `--variant=${spec.variant}`,
    `--architectures=${spec.architecture}`,
    ...(include.length > 0 ? [`--include=${include.join(',')}`] : []),
    ...keyrings.map((path) => `--keyring=${path}`),
    '--quiet',
    spec.suite,
    output,
    spec.mirror,
  ];
}

/** The image tarball, made now if missing. */
export async function ensureBuilderImage(
  cacheDir: string,
  spec: BuilderImageSpec,
  imageKey: string,
  mirror: MirrorSource,
  progress: ProgressSink,
): Promise<string> {
  const path = builderImagePath(cacheDir, imageKey);
  const made = (): Promise<boolean> => stat(path).then((s) => s.isFile(), () => false);
  if (await made()) return path;
  await ensureHostTools([MMDEBSTRAP], progress);
  const images = join(cacheDir, 'images');
  await mkdir(images, { recursive: true });
  // one maker per image (builds of other keys may need the same one); the others wait and use it
  const lock = await acquireBuildLock(leftoverLock(images, imageKey), (pid) =>
    progress.info(`backport: waiting for another build making the ${spec.suite} build image${pid === undefined ? '' : ` (pid ${pid})`}`),
  );
  try {
    if (await made()) return path;
    const temp = join(images, imageTempName(basename(path), process.pid));
    await sweepHeld(images, IMAGE_TEMP_NAME, imageKey, temp, removeStopped(progress));
    progress.info(`backport: making the ${spec.suite} build image with mmdebstrap --variant=${spec.variant} (about a minute, once)`);
    try {
      await runStep('mmdebstrap', mmdebstrapArgs(spec, mirror, temp), {
        step: `make ${spec.suite} build image`,
        env: { PATH: SYSTEM_PATH, LC_ALL: 'C.UTF-8', TMPDIR: process.env['TMPDIR'] ?? '/tmp' },
        hint: 'check that mmdebstrap is installed (apt-get install mmdebstrap) and that the mirror serves this suite',
      });
      lock.confirm();
      await rename(temp, path);
    } finally {
      await rm(temp, { force: true });
    }
    await writeFile(`${path.slice(0, -'.tar'.length)}.json`, `${JSON.stringify({ imageKey, ...spec }, null, 2)}\n`);
  } finally {
    await lock.release();
  }
  return path;
}
