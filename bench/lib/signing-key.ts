// One throwaway signing key for every tool in a run: made with half-repo's keygen (Ed25519, v4),
// loaded as half-repo's signer, and imported into a private GNUPGHOME (inside the run's work
// folder) for gpg and reprepro. The gpg-agent that gpg starts there is stopped by `close`.
import { writeFile } from 'node:fs/promises';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { generateSigningKey } from '../../repo-tool/src/sign/key-generate.js';
import { loadSigningKeys } from '../../repo-tool/src/sign/key-load.js';
import type { OpenPgpSigner } from '../../repo-tool/src/sign/openpgp-signer.js';
import { runTool } from './run-tool.js';

export interface BenchKey {
  readonly fingerprint: string;
  readonly signer: OpenPgpSigner;
  /** GNUPGHOME holding the secret key (no passphrase). */
  readonly gnupgHome: string;
  /** Binary public keyring for gpgv. */
  readonly keyring: string;
  close(): Promise<void>;
}

export async function makeBenchKey(dir: string, now: Date): Promise<BenchKey> {
  const created = new Date(now.getTime() - 24 * 3600 * 1000);
  const key = await generateSigningKey({ name: 'HALF bench throwaway key', email: 'bench@example.org', date: created });
  const secret = join(dir, 'secret.asc');
  const keyring = join(dir, 'public.gpg');
  const gnupgHome = join(dir, 'gnupg');
  mkdirSync(gnupgHome, { recursive: true, mode: 0o700 });
  await writeFile(secret, key.privateArmored, { mode: 0o600 });
  await writeFile(keyring, key.publicBinary);
  await runTool('gpg', ['--batch', '--quiet', '--homedir', gnupgHome, '--import', secret]);
  const signer = await loadSigningKeys([{ file: secret }], { env: {}, date: now });
  return {
    fingerprint: key.fingerprint,
    signer,
    gnupgHome,
    keyring,
    close: async () => {
      await runTool('gpgconf', ['--homedir', gnupgHome, '--kill', 'gpg-agent']).catch(() => undefined);
    },
  };
}

