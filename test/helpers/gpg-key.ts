// A throwaway OpenPGP signing key made by the real GnuPG in a temporary GNUPGHOME: an oracle
// for tests (a repository signed the way Debian's own tools sign one), never used by HALF.
// Ed25519, SHA-512 signatures: accepted by gpgv (Debian 12 apt) and sqv (Debian 13 apt).
//
//   const key = await throwawayGpgKey();
//   afterAll(() => key.cleanup());
//   await key.clearsign(release, inRelease); await key.detachSign(release, releaseGpg);
//   … Signed-By: key.publicKeyring (binary keyring, world-readable) …
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { requireTool, run, type RunResult } from './tools.js';

export interface ThrowawayGpgKey {
  readonly home: string;
  /** Uppercase hex fingerprint of the primary (signing) key. */
  readonly fingerprint: string;
  /** The public key exported as a binary keyring (.gpg), mode 0644. */
  readonly publicKeyring: string;
  /** The public key, ASCII-armored (.asc). */
  readonly armoredPublicKey: string;
  /** InRelease-style cleartext signature of `input` written to `output`. */
  clearsign(input: string, output: string): Promise<void>;
  /** Release.gpg-style armored detached signature. */
  detachSign(input: string, output: string): Promise<void>;
  /** Runs gpg with this GNUPGHOME. */
  gpg(args: readonly string[]): Promise<RunResult>;
  cleanup(): Promise<void>;
}

export async function throwawayGpgKey(uid = 'HALF throwaway test key <test@half.invalid>'): Promise<ThrowawayGpgKey> {
  requireTool('gpg');
  const home = await mkdtemp(join(tmpdir(), 'half-gnupg-'));
  await chmod(home, 0o700);
  const env = { GNUPGHOME: home };
  const gpg = (args: readonly string[]): Promise<RunResult> =>
    run('gpg', ['--batch', '--no-tty', '--quiet', '--pinentry-mode', 'loopback', '--passphrase', '', ...args], { env });
  const must = async (args: readonly string[]): Promise<RunResult> => {
    const result = await gpg(args);
    if (result.exitCode !== 0) throw new Error(`gpg ${args.join(' ')} failed (${result.exitCode}): ${result.stderr.trim()}`);
    return result;
  };
  try {
    await must(['--quick-gen-key', uid, 'ed25519', 'sign', '1y']);
    const listing = await must(['--with-colons', '--list-secret-keys']);
    const fingerprint = /^fpr:+([0-9A-F]{40,64}):/m.exec(listing.stdout)?.[1];
    if (fingerprint === undefined) throw new Error(`no fingerprint in gpg's key listing:\n${listing.stdout}`);
    const publicKeyring = join(home, 'archive-key.gpg');
    const armoredPublicKey = join(home, 'archive-key.asc');
    await must(['--output', publicKeyring, '--export', fingerprint]);
    await must(['--armor', '--output', armoredPublicKey, '--export', fingerprint]);
    await chmod(publicKeyring, 0o644);
    await chmod(armoredPublicKey, 0o644);
    const sign = (mode: string[]) => async (input: string, output: string) => {
      await rm(output, { force: true });
      await must(['--local-user', fingerprint, '--digest-algo', 'SHA512', ...mode, '--output', output, input]);
    };
    return {
      home,
      fingerprint,
      publicKeyring,
      armoredPublicKey,
      clearsign: sign(['--clearsign']),
      detachSign: sign(['--armor', '--detach-sign']),
      gpg,
      cleanup: async () => {
        await run('gpgconf', ['--kill', 'gpg-agent'], { env });
        await rm(home, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await run('gpgconf', ['--kill', 'gpg-agent'], { env });
    await rm(home, { recursive: true, force: true });
    throw error;
  }
}
