// The step of runBackport that makes a backport's files: the chroot builder (builder-image.ts,
// build-in-root.ts) in production; the cache, the locks, the collection and the published-version
// check around it do not depend on how the files were made.
import { join } from 'node:path';
import type { BackportPlan, ProgressSink } from './backport-plan.js';
import { ensureBuilderImage } from './builder-image.js';
import { buildDirOf, buildInRoot } from './build-in-root.js';

export interface BuildPlace {
  /** The backport cache (images/ and apt/ live there). */
  readonly cacheDir: string;
  /** A fresh work directory of this build, deleted after it. */
  readonly work: string;
  readonly logFile: string;
}

export interface BackportBuilder {
  /** Builds `plan` below `place.work`; returns the directory holding the .changes, the .dsc and the files they list. */
  build(plan: BackportPlan, place: BuildPlace, progress: ProgressSink): Promise<string>;
}

/** mmdebstrap's image of the target suite, unpacked into `<work>/root`, then the build in it (root only). */
export const chrootBuilder = {
  async build(plan, place, progress) {
    const imageTar = await ensureBuilderImage(place.cacheDir, plan.image, plan.imageKey, plan.mirror, progress);
    const root = join(place.work, 'root');
    await buildInRoot(plan, { root, imageTar, aptRoot: join(place.cacheDir, 'apt'), logFile: place.logFile }, progress);
    return buildDirOf(root);
  },
} satisfies BackportBuilder;
