// A DefinitionContext for building HALF's own packages in tests: this checkout as the root, the
// project's version, a fixed SOURCE_DATE_EPOCH. The packages tested here use no signing key.
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import type { DefinitionContext } from '../../../repo-tool/src/model/definition.js';

export const REPO_ROOT = resolve(import.meta.dirname, '../../..');
export const TEST_EPOCH = 1_795_000_000;

export function projectVersion(): string {
  return (JSON.parse(readFileSync(join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
}

export function testContext(overrides: Partial<DefinitionContext> = {}): DefinitionContext {
  return {
    root: REPO_ROOT,
    projectVersion: projectVersion(),
    sourceDateEpoch: TEST_EPOCH,
    keyring: { binary: new Uint8Array(), armored: '', fingerprints: [], signingFingerprints: [], publicKeys: [] },
    suites: [
      { codename: 'bookworm', suite: 'oldstable' },
      { codename: 'trixie', suite: 'stable' },
    ],
    component: 'half',
    ...overrides,
  };
}
