// Which keys sign this run, decided once at the CLI edge: --key files, then the environment,
// then the development key (made once, announced loudly).
import type { Progress } from '../cli/progress.js';
import { findOrCreateDevelopmentKey, developmentKeyNotice } from '../sign/dev-key.js';
import { loadSigningKeys } from '../sign/key-load.js';
import { keySourcesFromEnvironment } from '../sign/key-sources.js';
import type { OpenPgpSigner } from '../sign/openpgp-signer.js';

export interface SigningSetup {
  readonly signer: OpenPgpSigner;
  readonly development: boolean;
}

export async function resolveSigner(options: {
  readonly root: string;
  readonly env: Readonly<Record<string, string | undefined>>;
  readonly keyFiles: readonly string[];
  readonly now: Date;
  readonly progress: Progress;
}): Promise<SigningSetup> {
  const selection = keySourcesFromEnvironment(options.env, { keyFiles: options.keyFiles });
  if (selection.kind !== 'development') {
    return { signer: await loadSigningKeys(selection.sources, { env: options.env, date: options.now }), development: false };
  }
  const devKey = await findOrCreateDevelopmentKey({ env: options.env, date: options.now, sourceRoot: options.root });
  const signer = await loadSigningKeys([devKey.source], { env: options.env, date: options.now });
  options.progress.warn(developmentKeyNotice(devKey, signer.fingerprints[0] ?? '?'));
  return { signer, development: true };
}
