// A throwaway Signer (model/signer.ts) made with OpenPGP.js: an Ed25519 v4 key created just
// before the fixtures' build time, for tests only (repo-tool/src/sign/ provides the real one).
// Signatures are deterministic (Ed25519 is, once OpenPGP.js's random salt notation is off), so
// signed packages are byte-reproducible too.
import * as openpgp from 'openpgp';
import type { Signer } from '../../../../repo-tool/src/model/signer.js';

export interface TestSigner extends Signer {
  /** Binary transferable public key (for a debsig keyring). */
  readonly publicKeyBinary: Uint8Array;
  /** 16 uppercase hex digits. */
  readonly longKeyId: string;
}

const config = { nonDeterministicSignaturesViaNotation: false };

export async function makeTestSigner(created: Date): Promise<TestSigner> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name: 'HALF test signer', email: 'test-signer@example.org' }],
    date: created,
    format: 'object',
  });
  const fingerprint = privateKey.getFingerprint().toUpperCase();
  return {
    fingerprints: [fingerprint],
    publicKeyBinary: publicKey.write(),
    longKeyId: privateKey.getKeyID().toHex().toUpperCase(),
    clearsign: async (text, date) => openpgp.sign({ message: await openpgp.createCleartextMessage({ text }), signingKeys: privateKey, date, config }),
    detachSignArmored: async (data, date) => openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: privateKey, detached: true, date, config }),
    detachSignBinary: async (data, date) =>
      openpgp.sign({ message: await openpgp.createMessage({ binary: data }), signingKeys: privateKey, detached: true, format: 'binary', date, config }) as Promise<Uint8Array>,
  };
}
