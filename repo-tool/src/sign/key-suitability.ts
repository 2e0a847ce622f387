// Which keys may sign HALF's archive: what Debian 12's apt (gpgv 2.2) and Debian 13's apt
// (sqv with the Sequoia policy, future policy `>=rsa3072,ed25519,ed448`) both accept: a v4
// key (RFC 9580 §5.5.2) whose signing key is EdDSA-legacy Ed25519 or RSA of at least 3072 bits,
// not expired or revoked, with self-signatures not made with SHA-1, MD5 or RIPEMD-160.
import * as openpgp from 'openpgp';
import { KeyError } from '../model/errors.js';

export interface SuitableKey {
  /** Uppercase hex fingerprint of the primary key. */
  readonly fingerprint: string;
  /** Uppercase hex fingerprint of the key that makes the signatures (the primary key or a subkey). */
  readonly signingFingerprint: string;
  readonly userIds: readonly string[];
  /** e.g. `ed25519`, `rsa4096`. */
  readonly algorithm: string;
}

const WEAK_HASHES = new Set<number>([openpgp.enums.hash.md5, openpgp.enums.hash.sha1, openpgp.enums.hash.ripemd]);
// Lets OpenPGP.js hand us DSA, short RSA and v6 keys so that we can say why we refuse them.
const PERMISSIVE = {
  ...openpgp.config,
  minRSABits: 0,
  rejectPublicKeyAlgorithms: new Set<openpgp.enums.publicKey>(),
  rejectHashAlgorithms: new Set<openpgp.enums.hash>(),
};
const NEW_KEY = 'make a new key with `half-repo keygen` (Ed25519, or --type rsa4096)';

type Part = openpgp.Key | openpgp.Subkey;

function algorithmProblem(part: Part): string | undefined {
  const info = part.getAlgorithmInfo();
  switch (info.algorithm) {
    case 'eddsaLegacy':
      return info.curve === 'ed25519Legacy' ? undefined : `uses EdDSA on curve ${info.curve ?? '?'}, which apt does not accept`;
    case 'rsaSign':
    case 'rsaEncryptSign':
      if ((info.bits ?? 0) >= 3072) return undefined;
      return `is RSA-${info.bits ?? '?'}: Debian 13's apt rejects RSA keys under 3072 bits (RSA-2048 only until 2030-02-01, RSA-1024 already)`;
    case 'dsa':
      return 'is a DSA key: apt (Debian 12 and 13) rejects DSA signatures';
    case 'ed25519':
      return "is an RFC 9580 Ed25519 key (algorithm 27), which Debian 12's gpgv 2.2 cannot verify";
    default:
      return `uses ${info.algorithm}${info.curve ? ` (${info.curve})` : ''}, which is not accepted for archive signing`;
  }
}

function algorithmName(part: Part): string {
  const info = part.getAlgorithmInfo();
  return info.algorithm === 'eddsaLegacy' ? 'ed25519' : info.algorithm.startsWith('rsa') ? `rsa${info.bits ?? ''}` : info.algorithm;
}

const newest = (sigs: readonly openpgp.SignaturePacket[]): openpgp.SignaturePacket | undefined =>
  [...sigs].sort((a, b) => (b.created?.getTime() ?? 0) - (a.created?.getTime() ?? 0))[0];

/**
 * Checks that `key` can sign for both apts at `date`; returns what the signer reports about it.
 * `subject` names the key in messages, e.g. `key file "/k.asc": key 0123…`.
 */
export async function assertSuitableSigningKey(key: openpgp.Key, subject: string, date: Date): Promise<SuitableKey> {
  const fail = (what: string, hint = NEW_KEY): never => {
    throw new KeyError(`${subject} ${what}`, { hint });
  };
  const version = key.keyPacket.version;
  if (version !== 4) {
    fail(`is a v${version} key; Debian 12's gpgv reads only v4 keys`, `${NEW_KEY}; OpenPGP.js makes v4 keys unless config.v6Keys is set`);
  }
  const created = key.getCreationTime();
  if (created.getTime() > date.getTime()) {
    fail(`was created ${created.toISOString()}, after ${date.toISOString()}`, 'sign at a later date (SOURCE_DATE_EPOCH), or use an older key');
  }
  if (await key.isRevoked(undefined, undefined, date, PERMISSIVE)) fail('is revoked', NEW_KEY);
  const expires = await key.getExpirationTime(undefined, PERMISSIVE).catch(() => null);
  if (expires instanceof Date && expires.getTime() <= date.getTime()) {
    fail(`expired on ${expires.toISOString()}`, 'extend its expiry date (gpg --quick-set-expire) and export it again, or ' + NEW_KEY);
  }
  const primaryProblem = algorithmProblem(key);
  if (primaryProblem !== undefined) fail(primaryProblem);
  let signing: Part;
  try {
    signing = await key.getSigningKey(undefined, date, undefined, PERMISSIVE);
  } catch (cause) {
    throw new KeyError(`${subject} has no key or subkey that can make signatures at ${date.toISOString()}: ${(cause as Error).message}`, {
      hint: 'use a key with signing capability (key flag "sign") that is valid at that date, or ' + NEW_KEY,
      cause,
    });
  }
  if (signing !== key) {
    const subProblem = algorithmProblem(signing);
    if (subProblem !== undefined) fail(`has a signing subkey that ${subProblem}`);
  }
  const selfSignature = (await key.getPrimaryUser(date, undefined, PERMISSIVE).catch(() => undefined))?.selfCertification;
  const binding = 'bindingSignatures' in signing ? newest(signing.bindingSignatures) : undefined;
  for (const sig of [selfSignature, binding, binding?.embeddedSignature ?? undefined]) {
    if (sig?.hashAlgorithm != null && WEAK_HASHES.has(sig.hashAlgorithm)) {
      const hash = openpgp.enums.read(openpgp.enums.hash, sig.hashAlgorithm).toUpperCase();
      fail(
        `has a self-signature made with ${hash}, which Debian 13's sqv rejects`,
        `re-sign it with SHA-512 (gpg --cert-digest-algo SHA512 --quick-set-expire KEY 0), or ${NEW_KEY}`,
      );
    }
  }
  return {
    fingerprint: key.getFingerprint().toUpperCase(),
    signingFingerprint: signing.getFingerprint().toUpperCase(),
    userIds: key.getUserIDs(),
    algorithm: algorithmName(signing),
  };
}
