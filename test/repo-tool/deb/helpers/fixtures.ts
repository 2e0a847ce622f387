// The fixture corpus (test/fixtures/packages/*.ts) with the context the modules are called with.
import { fileURLToPath } from 'node:url';
import type { DefinitionContext, PackageDefinition } from '../../../../repo-tool/src/model/definition.js';
import type { LintianTolerance } from '../../../fixtures/packages/lib/doc.js';
import * as arch from '../../../fixtures/packages/arch.js';
import * as debconf from '../../../fixtures/packages/debconf.js';
import * as longNames from '../../../fixtures/packages/long-names.js';
import * as plain from '../../../fixtures/packages/plain.js';
import * as scripts from '../../../fixtures/packages/scripts.js';
import * as tree from '../../../fixtures/packages/tree.js';
import * as triggers from '../../../fixtures/packages/triggers.js';

import { FIXTURE_EPOCH } from '../../../fixtures/packages/lib/doc.js';

export { FIXTURE_EPOCH };

export const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url)).replace(/\/$/, '');
export const FIXTURE_DIR = `${REPO_ROOT}/test/fixtures/packages`;

export const fixtureContext: DefinitionContext = {
  root: REPO_ROOT,
  projectVersion: '0.1.0',
  sourceDateEpoch: FIXTURE_EPOCH,
  keyring: { binary: new Uint8Array(0), armored: '', fingerprints: [], signingFingerprints: [], publicKeys: [] },
  suites: [{ codename: 'bookworm', suite: 'stable' }],
  component: 'half',
};

export interface Fixture {
  readonly definition: PackageDefinition;
  readonly lintianTolerated: LintianTolerance;
}

const modules = { arch, debconf, longNames, plain, scripts, tree, triggers };

export const fixtures: readonly Fixture[] = Object.values(modules).map((m) => ({ definition: m.default(fixtureContext), lintianTolerated: m.lintianTolerated }));

export function fixture(name: string): Fixture {
  const found = fixtures.find((f) => f.definition.name === name);
  if (found === undefined) throw new Error(`no fixture ${name}`);
  return found;
}
