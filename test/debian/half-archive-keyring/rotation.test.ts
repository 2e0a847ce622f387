// A key rotation seen from a client: half-archive-keyring first ships keys a and b (a debsig-verify
// policy, a conffile, and a keyring for each), then b alone. dpkg removes a's keyring with the
// upgrade but keeps a's policy as an obsolete conffile; postinst removes it (and its directory)
// when unchanged, and keeps a changed one, naming it, as dpkg-maintscript-helper rm_conffile does.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import halfArchiveKeyring from '../../../pkgs/half-archive-keyring.js';
import type { DebArtifact } from '../../../repo-tool/src/model/artifact.js';
import { debsigPolicy } from '../../../repo-tool/src/sign/debsig-policy.js';
import { loadSigningKeys } from '../../../repo-tool/src/sign/key-load.js';
import { debianRoot, type DebianRoot } from '../../helpers/chroot.js';
import { build } from '../../pkgs/helpers/debs.js';
import { testContext } from '../../pkgs/helpers/context.js';
import { SIGN_DATE, testKey } from '../../repo-tool/sign/helpers/keys.js';

/** half-archive-keyring at `version`, shipping the keys given (armored private keys; the first signs). */
async function keyringDeb(version: string, keys: readonly string[]): Promise<DebArtifact> {
  const env = Object.fromEntries(keys.map((key, i) => [`K${i}`, key]));
  const signer = await loadSigningKeys(keys.map((_, i) => ({ env: `K${i}` })), { env, date: SIGN_DATE });
  const ring = signer.publicKeyring();
  return build(halfArchiveKeyring(testContext({
    projectVersion: version,
    keyring: { binary: ring.binary, armored: ring.armored, fingerprints: signer.fingerprints, signingFingerprints: signer.keys.map((k) => k.signingFingerprint), publicKeys: signer.publicKeys() },
  })));
}

let root: DebianRoot;
let both: string;
let bOnly: string;
let policyA: { policyPath: string; keyringPath: string };
let policyB: { policyPath: string; keyringPath: string };
beforeAll(async () => {
  const [a, b] = await Promise.all([testKey('rotation-a'), testKey('rotation-b')]);
  const [debBoth, debB] = await Promise.all([keyringDeb('0.0.9', [a.privateArmored, b.privateArmored]), keyringDeb('0.1.0', [b.privateArmored])]);
  const signerA = await loadSigningKeys([{ env: 'K' }], { env: { K: a.privateArmored }, date: SIGN_DATE });
  const signerB = await loadSigningKeys([{ env: 'K' }], { env: { K: b.privateArmored }, date: SIGN_DATE });
  const policy = (fingerprint: string) => debsigPolicy({ fingerprint, name: 'half', keyringFile: 'half-archive-keyring.gpg' });
  policyA = policy(signerA.keys[0]!.signingFingerprint);
  policyB = policy(signerB.keys[0]!.signingFingerprint);
  root = await debianRoot({ suite: 'bookworm' });
  both = '/tmp/half-archive-keyring_0.0.9_all.deb';
  bOnly = '/tmp/half-archive-keyring_0.1.0_all.deb';
  await root.writeFile(both, debBoth.bytes);
  await root.writeFile(bOnly, debB.bytes);
}, 600_000);
afterAll(() => root?.cleanup());

const exists = async (path: string): Promise<boolean> => (await root.run(['test', '-e', path])).exitCode === 0;

describe('half-archive-keyring after a rotation drops a key', () => {
  it('removes the dropped key\'s unchanged policy with its directory, and keeps the remaining key\'s', async () => {
    const first = await root.run(['dpkg', '-i', both]);
    expect(first.exitCode, first.stderr).toBe(0);
    for (const path of [policyA.policyPath, policyA.keyringPath, policyB.policyPath, policyB.keyringPath]) expect(await exists(path), path).toBe(true);

    const upgrade = await root.run(['dpkg', '-i', bOnly]);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(await exists(policyA.keyringPath)).toBe(false);
    expect(await exists(policyA.policyPath)).toBe(false);
    expect(await exists(policyA.policyPath.replace(/\/half\.pol$/, ''))).toBe(false);
    expect(await exists(policyB.policyPath)).toBe(true);
    expect(await exists(policyB.keyringPath)).toBe(true);
  });

  it('keeps a dropped key\'s policy the admin changed, and names it', async () => {
    const purge = await root.run(['dpkg', '--purge', 'half-archive-keyring']);
    expect(purge.exitCode, purge.stderr).toBe(0);
    expect((await root.run(['dpkg', '-i', both])).exitCode).toBe(0);
    await root.writeFile(policyA.policyPath, `${await root.readFile(policyA.policyPath)}<!-- kept by hand -->\n`);
    const upgrade = await root.run(['dpkg', '-i', bOnly]);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(await root.readFile(policyA.policyPath)).toContain('<!-- kept by hand -->');
    expect(upgrade.stderr).toContain(`half-archive-keyring: ${policyA.policyPath} is the debsig-verify policy of a key this package no longer ships, changed locally, so it stays`);
  });
});
