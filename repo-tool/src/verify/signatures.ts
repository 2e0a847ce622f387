// Signature checks as apt makes them (apt-pkg's gpgv/sqv handling; RFC 9580 §7 for the
// cleartext framework): InRelease must be exactly a cleartext-signed message, Release.gpg an
// armored detached signature; every signature must verify with a key of the keyring and use a
// hash stronger than SHA-1; and InRelease must carry the same text as Release.
import * as openpgp from 'openpgp';
import { stripClearsign } from '../repo/cleartext.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';

const SHA1 = openpgp.enums.hash.sha1;

export async function readKeyring(keyring: Uint8Array): Promise<openpgp.Key[]> {
  const text = new TextDecoder().decode(keyring.subarray(0, 64));
  return text.startsWith('-----BEGIN PGP')
    ? openpgp.readKeys({ armoredKeys: new TextDecoder().decode(keyring) })
    : openpgp.readKeys({ binaryKeys: keyring });
}

type VerificationResult = openpgp.VerifyMessageResult['signatures'][number];

async function judge(path: string, signatures: readonly VerificationResult[]): Promise<Problem[]> {
  const problems: Problem[] = [];
  let good = 0;
  for (const s of signatures) {
    const keyId = s.keyID.toHex().toUpperCase();
    try {
      await s.verified;
      const packet = (await s.signature).packets[0];
      if (packet?.hashAlgorithm === SHA1) problems.push(problem(path, `signature by ${keyId} uses SHA-1, which apt rejects`));
      else good++;
    } catch (error) {
      problems.push(problem(path, `signature by ${keyId} does not verify with the keyring: ${(error as Error).message}`));
    }
  }
  if (signatures.length === 0) problems.push(problem(path, 'holds no signature'));
  else if (good === 0 && problems.length === 0) problems.push(problem(path, 'no signature verifies'));
  return problems;
}

function framingProblems(path: string, text: string): Problem[] {
  const problems: Problem[] = [];
  const lines = text.split('\n');
  if (lines[0] !== '-----BEGIN PGP SIGNED MESSAGE-----') problems.push(problem(path, 'does not start with "-----BEGIN PGP SIGNED MESSAGE-----" (apt refuses it)'));
  for (let i = 1; i < lines.length && lines[i] !== ''; i++) {
    if (!(lines[i] as string).startsWith('Hash: ')) problems.push(problem(path, `armor header "${lines[i]}" is not "Hash: …" (apt refuses it)`));
  }
  const end = text.lastIndexOf('-----END PGP SIGNATURE-----');
  if (end < 0) problems.push(problem(path, 'has no "-----END PGP SIGNATURE-----" line'));
  else if (text.slice(end + '-----END PGP SIGNATURE-----'.length).trim() !== '') problems.push(problem(path, 'has text after the signature (apt refuses it)'));
  if (text.includes('\r')) problems.push(problem(path, 'has CR line ends'));
  return problems;
}

/** Checks InRelease, Release.gpg and their agreement with Release. Missing files are the caller's problem. */
export async function checkSignatures(
  dir: string,
  files: { inRelease?: Uint8Array; release?: Uint8Array; releaseGpg?: Uint8Array },
  keys: openpgp.Key[],
): Promise<Problem[]> {
  const problems: Problem[] = [];
  if (files.inRelease !== undefined) {
    const path = `${dir}/InRelease`;
    const text = new TextDecoder().decode(files.inRelease);
    problems.push(...framingProblems(path, text));
    try {
      const message = await openpgp.readCleartextMessage({ cleartextMessage: text });
      const { signatures } = await openpgp.verify({ message, verificationKeys: keys });
      problems.push(...(await judge(path, signatures)));
    } catch (error) {
      problems.push(problem(path, `is not a readable cleartext-signed message: ${(error as Error).message}`));
    }
    if (files.release !== undefined && stripClearsign(text).replace(/\n+$/, '\n') !== new TextDecoder().decode(files.release)) {
      problems.push(problem(path, 'does not carry the same text as Release'));
    }
  }
  if (files.releaseGpg !== undefined && files.release !== undefined) {
    const path = `${dir}/Release.gpg`;
    const text = new TextDecoder().decode(files.releaseGpg);
    if (!text.startsWith('-----BEGIN PGP SIGNATURE-----')) problems.push(problem(path, 'is not an ASCII-armored signature (apt counts a binary one as no signature)'));
    else {
      try {
        const signature = await openpgp.readSignature({ armoredSignature: text });
        const message = await openpgp.createMessage({ binary: files.release });
        const { signatures } = await openpgp.verify({ message, signature, verificationKeys: keys });
        problems.push(...(await judge(path, signatures)));
      } catch (error) {
        problems.push(problem(path, `cannot be read: ${(error as Error).message}`));
      }
    }
  }
  return problems;
}
