// Verifies signatures the way the two apts do:
// - Debian 12 (apt 2.6): gpgv --status-fd, then apt's rule (methods/gpgv.cc): at least one
//   GOODSIG with a VALIDSIG whose digest is not weak, no BADSIG; NO_PUBKEY for other signers
//   is fine (rotation). gpgv's own exit status is 2 in that case, so it is not the verdict.
// - Debian 13 (apt 3.x): sqv on a detached signature; InRelease split first, as apt does.
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readCleartextSigned } from '../../../../repo-tool/src/sign/cleartext.js';
import { run } from './run.js';

export interface GpgvVerdict {
  readonly accepted: boolean;
  /** Primary-key fingerprints with a good, valid, non-weak signature. */
  readonly good: readonly string[];
  readonly noPubkey: readonly string[];
  readonly bad: readonly string[];
  /** Hash algorithm ids seen in VALIDSIG lines. */
  readonly hashAlgorithms: readonly number[];
  readonly status: string;
}

const WEAK = new Set([1, 2, 3]); // MD5, SHA1, RIPEMD160

export function gpgvAsApt(keyring: string, file: string, data?: string): GpgvVerdict {
  const r = run('gpgv', ['--status-fd', '1', '--keyring', keyring, file, ...(data === undefined ? [] : [data])]);
  const good: string[] = [];
  const noPubkey: string[] = [];
  const bad: string[] = [];
  const hashAlgorithms: number[] = [];
  let goodsig = false;
  for (const line of r.stdout.split('\n')) {
    const f = line.split(' ');
    if (f[0] !== '[GNUPG:]') continue;
    if (f[1] === 'NEWSIG') goodsig = false;
    if (f[1] === 'GOODSIG') goodsig = true;
    if (f[1] === 'BADSIG' || f[1] === 'EXPKEYSIG' || f[1] === 'REVKEYSIG' || f[1] === 'EXPSIG') bad.push(f[2] ?? '');
    if (f[1] === 'NO_PUBKEY') noPubkey.push(f[2] ?? '');
    if (f[1] === 'VALIDSIG') {
      const hash = Number(f[9]);
      hashAlgorithms.push(hash);
      if (goodsig && !WEAK.has(hash)) good.push(f[11] ?? f[2] ?? '');
    }
  }
  return { accepted: good.length > 0 && bad.length === 0, good, noPubkey, bad, hashAlgorithms, status: r.stdout + r.stderr };
}

export interface SqvVerdict {
  readonly code: number;
  /** Fingerprints sqv printed (the signers it accepted). */
  readonly signers: readonly string[];
  readonly stderr: string;
}

export function sqv(keyring: string, signature: string, data: string): SqvVerdict {
  const r = run('sqv', ['--keyring', keyring, signature, data]);
  return { code: r.code, signers: r.stdout.split('\n').filter((l) => /^[0-9A-F]{40}$/.test(l)), stderr: r.stderr };
}

/** apt 3's path for InRelease: split (SplitClearSignedFile rules), then sqv on the parts. */
export async function sqvInRelease(keyring: string, inRelease: string, workDir: string): Promise<SqvVerdict> {
  const parts = readCleartextSigned(inRelease);
  if (!parts.ok) return { code: -1, signers: [], stderr: parts.error };
  const sig = join(workDir, 'InRelease.sig');
  const msg = join(workDir, 'InRelease.msg');
  await writeFile(sig, parts.value.signatureArmor);
  await writeFile(msg, parts.value.text);
  return sqv(keyring, sig, msg);
}
