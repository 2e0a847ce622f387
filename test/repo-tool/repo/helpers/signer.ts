// A throwaway OpenPGP signer for tests (ed25519, v4 key as Debian 12's gpgv needs), made with
// openpgp.js; the real one lives in repo-tool/src/sign/.
import * as openpgp from 'openpgp';
import type { Signer } from '../../../../repo-tool/src/model/signer.js';

export interface TestKey {
  readonly signer: Signer;
  /** Binary public keyring (for gpgv --keyring and verify). */
  readonly publicBinary: Uint8Array;
  readonly publicArmored: string;
}

export async function makeTestKey(name = 'HALF test archive', created = new Date('2020-01-01T00:00:00Z')): Promise<TestKey> {
  const { privateKey, publicKey } = await openpgp.generateKey({
    type: 'ecc',
    curve: 'ed25519Legacy',
    userIDs: [{ name, email: 'archive@example.org' }],
    date: created,
    format: 'object',
  });
  const fingerprint = privateKey.getFingerprint().toUpperCase();
  const signer: Signer = {
    fingerprints: [fingerprint],
    async clearsign(text, date) {
      // As gpg --clearsign writes it (and Debian's InRelease looks): LF line ends, and the
      // text's final newline is the line break before the signature.
      const message = await openpgp.createCleartextMessage({ text: text.endsWith('\n') ? text.slice(0, -1) : text });
      return (await openpgp.sign({ message, signingKeys: privateKey, date })).replace(/\r\n/g, '\n');
    },
    async detachSignArmored(data, date) {
      const message = await openpgp.createMessage({ binary: data });
      return openpgp.sign({ message, signingKeys: privateKey, detached: true, date, format: 'armored' });
    },
    async detachSignBinary(data, date) {
      const message = await openpgp.createMessage({ binary: data });
      return openpgp.sign({ message, signingKeys: privateKey, detached: true, date, format: 'binary' }) as Promise<Uint8Array>;
    },
  };
  return { signer, publicBinary: publicKey.write(), publicArmored: publicKey.armor() };
}
