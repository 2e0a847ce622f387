// A throwaway GnuPG home for tests that need gpg itself (importing our keys, or making keys
// OpenPGP.js cannot make: DSA, cert-only, SHA-1 self-signatures). Its agent is stopped through
// gpgconf for that home only.
import { run, runBytes, tempDir, type Ran } from './run.js';

export interface GpgHome {
  readonly dir: string;
  gpg(args: readonly string[], input?: string | Uint8Array): Ran;
  /** gpg's stdout as bytes (binary exports); throws on failure. */
  gpgBytes(args: readonly string[], input?: string | Uint8Array): Buffer;
  /** Makes an unprotected key with `gpg --quick-gen-key`, dated 2024-01-01 (KEY_DATE), and returns its armored secret key and fingerprint. */
  generate(uid: string, algo: string, usage: string, extra?: readonly string[]): { secretArmored: string; fingerprint: string };
  /** The same options for other key-making commands (`--quick-add-key`). */
  readonly atKeyDate: readonly string[];
  close(): Promise<void>;
}

export async function gpgHome(): Promise<GpgHome> {
  const { dir, cleanup } = await tempDir('gnupg');
  const base = ['--homedir', dir, '--batch', '--no-tty', '--pinentry-mode', 'loopback', '--passphrase', ''];
  const gpg = (args: readonly string[], input?: string | Uint8Array): Ran => run('gpg', [...base, ...args], { input });
  // Keys and self-signatures made at the tests' KEY_DATE, so that they are valid at SIGN_DATE.
  const atKeyDate = ['--faked-system-time', '20240101T000000!'];
  return {
    dir,
    gpg,
    atKeyDate,
    gpgBytes: (args, input) => runBytes('gpg', [...base, ...args], input),
    generate(uid, algo, usage, extra = []) {
      const made = gpg([...atKeyDate, ...extra, '--quick-gen-key', uid, algo, usage, 'never']);
      if (made.code !== 0) throw new Error(`gpg --quick-gen-key ${algo}: ${made.stderr}`);
      const listing = gpg(['--with-colons', '--list-secret-keys', uid]).stdout;
      const fingerprint = /^fpr:+([0-9A-F]{40}):/m.exec(listing)?.[1];
      if (fingerprint === undefined) throw new Error(`no fingerprint for ${uid}: ${listing}`);
      const secretArmored = gpg(['--armor', '--export-secret-keys', fingerprint]).stdout;
      return { secretArmored, fingerprint };
    },
    async close() {
      run('gpgconf', ['--homedir', dir, '--kill', 'all']);
      await cleanup();
    },
  };
}
