// debsig-verify(1) policy for HALF's .deb origin signatures (`_gpgorigin`), in the policy
// format of debsig-verify's doc/policy-syntax.txt and doc/policy.dtd (Origin, Selection,
// Verification; `Required Type="origin"`). Pure: the half-archive-keyring package ships what
// this returns.
//
// debsig-verify 0.28 (Debian 12) names the policy and keyring folders after the ID that
// `gpg --verify --status-fd` reports in ERRSIG for the FIRST signature packet of `_gpgorigin`:
// the full fingerprint when the signature carries an issuer-fingerprint subpacket (ours do),
// else the 16-hex long key ID. It then runs `gpg --keyring FILE --verify`, which fails when any
// signature packet's key is missing from FILE. So `_gpgorigin` carries the first key's signature
// only (gpg-origin.ts), and half-archive-keyring ships one policy per key, each with a keyring
// holding all of them, the policy's own key first (debsig-keyring.ts says why): a client keeps
// verifying when the first key changes, and packages made before HALF signed `_gpgorigin` with
// one key (a packet per key) still verify.
//
// The policy checks `_gpgorigin` only, never the rotation's `_gpgmaint`: a Required or Optional
// `maint` match runs gpg over that member with this keyring, and at the next rotation the
// member is signed by a key this keyring has never seen (an `id` on the match fails the same
// way, and also fails when the member is absent), so an older keyring package would reject
// every package of that rotation.
import { KeyError } from '../model/errors.js';

export interface DebsigPolicyInput {
  /** Uppercase hex fingerprint of the key that makes the signatures (a signing subkey's, if any). */
  readonly fingerprint: string;
  /** Policy (and origin) short name, e.g. `half`: the file is `<name>.pol`. */
  readonly name: string;
  /** Keyring file name (binary OpenPGP keyring), e.g. `half-archive-keyring.gpg`. */
  readonly keyringFile: string;
  /** Origin description; default `<name> archive signing key`. */
  readonly description?: string;
}

export interface DebsigPolicy {
  /** Absolute path on the target system (prefix ROOT for `debsig-verify --root ROOT`). */
  readonly policyPath: string;
  readonly policyXml: string;
  /** Where the binary keyring must be installed. */
  readonly keyringPath: string;
}

export const DEBSIG_POLICIES_DIR = '/etc/debsig/policies';
export const DEBSIG_KEYRINGS_DIR = '/usr/share/debsig/keyrings';
// The namespace the policy DTD fixes for <Policy xmlns>; an identifier, never fetched.
const NAMESPACE = 'https://www.debian.org/debsig/1.0/';

const escapeXml = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

export function debsigPolicy(input: DebsigPolicyInput): DebsigPolicy {
  const id = input.fingerprint.replace(/\s+/g, '').toUpperCase();
  if (!/^[0-9A-F]{40}$/.test(id) && !/^[0-9A-F]{16}$/.test(id)) {
    throw new KeyError(`debsig policy: "${input.fingerprint}" is neither a v4 fingerprint (40 hex digits) nor a long key ID (16)`, {
      hint: 'pass the signing key fingerprint, as loadSigningKeys reports it (keys[].signingFingerprint)',
    });
  }
  for (const [what, value] of [['name', input.name], ['keyringFile', input.keyringFile]] as const) {
    if (!/^[A-Za-z0-9][A-Za-z0-9_.+-]*$/.test(value)) {
      throw new KeyError(`debsig policy: ${what} "${value}" is not a plain file name`, { hint: 'use letters, digits and _ . + -' });
    }
  }
  const description = input.description ?? `${input.name} archive signing key`;
  const match = `<Required Type="origin" File="${escapeXml(input.keyringFile)}" id="${id}"/>`;
  const policyXml = [
    '<?xml version="1.0"?>',
    `<Policy xmlns="${NAMESPACE}">`,
    `  <Origin Name="${escapeXml(input.name)}" id="${id}" Description="${escapeXml(description)}"/>`,
    '  <Selection>',
    `    ${match}`,
    '  </Selection>',
    '  <Verification MinOptional="0">',
    `    ${match}`,
    '  </Verification>',
    '</Policy>',
    '',
  ].join('\n');
  return {
    policyPath: `${DEBSIG_POLICIES_DIR}/${id}/${input.name}.pol`,
    policyXml,
    keyringPath: `${DEBSIG_KEYRINGS_DIR}/${id}/${input.keyringFile}`,
  };
}
