// HALF's packages as these tests install them, built once per test file from this checkout
// (and, for upgrades, an older version of the same definitions).
import halfKernel from '../../../pkgs/half-kernel.js';
import { halfSyncdDefinition } from '../../../pkgs/half-syncd.js';
import { bundleDaemon, type DaemonBundle } from '../../../scripts/bundle-daemon.js';
import type { DebArtifact } from '../../../repo-tool/src/model/artifact.js';
import { build } from '../../pkgs/helpers/debs.js';
import { testContext } from '../../pkgs/helpers/context.js';

let bundle: DaemonBundle | undefined;

/** half-syncd for this machine's architecture (amd64), at `version` (default: the project's). */
export async function halfSyncdDeb(version?: string): Promise<DebArtifact> {
  bundle ??= bundleDaemon({ root: testContext().root });
  const ctx = testContext(version === undefined ? {} : { projectVersion: version });
  return build(halfSyncdDefinition(ctx, 'amd64', bundle));
}

export async function halfKernelDeb(): Promise<DebArtifact> {
  return build(halfKernel(testContext()));
}
