// Signs every suite's Release before anything is written (a failing signer leaves the tree
// untouched): InRelease (cleartext signature) and Release.gpg (armored detached signature), as
// apt expects them (DebianRepository/Format, "InRelease" and "Release.gpg").
import { PublishError } from '../model/errors.js';
import type { Signer } from '../model/signer.js';
import { stripClearsign } from '../repo/cleartext.js';
import type { PlannedSuite } from '../repo/plan-model.js';

export interface SignedSuite {
  readonly release: Uint8Array;
  readonly releaseGpg: Uint8Array;
  readonly inRelease: Uint8Array;
}

export async function signReleases(suites: readonly PlannedSuite[], signer: Signer, date: Date): Promise<SignedSuite[]> {
  const encoder = new TextEncoder();
  const signed: SignedSuite[] = [];
  for (const suite of suites) {
    const release = encoder.encode(suite.release);
    let inRelease: string;
    let releaseGpg: string;
    try {
      inRelease = await signer.clearsign(suite.release, date);
      releaseGpg = await signer.detachSignArmored(release, date);
    } catch (cause) {
      throw new PublishError(`signing ${suite.dir}/Release failed: ${(cause as Error).message}`, {
        cause,
        hint: 'check the signing key (and its passphrase); nothing was written',
      });
    }
    if (!inRelease.startsWith('-----BEGIN PGP SIGNED MESSAGE-----\n')) {
      throw new PublishError(`the signer's InRelease for ${suite.dir} does not start with "-----BEGIN PGP SIGNED MESSAGE-----"`, { hint: 'apt rejects anything else; this is a signer bug' });
    }
    if (stripClearsign(inRelease).replace(/\n+$/, '\n') !== suite.release || inRelease.includes('\r')) {
      throw new PublishError(`the signer's InRelease for ${suite.dir} does not carry the Release text unchanged (with LF line ends)`, { hint: 'apt would see a different Release; this is a signer bug' });
    }
    if (!releaseGpg.startsWith('-----BEGIN PGP SIGNATURE-----')) {
      throw new PublishError(`the signer's Release.gpg for ${suite.dir} is not an armored signature`, { hint: 'apt ignores a binary Release.gpg; this is a signer bug' });
    }
    signed.push({ release, releaseGpg: encoder.encode(releaseGpg), inRelease: encoder.encode(inRelease) });
  }
  return signed;
}
