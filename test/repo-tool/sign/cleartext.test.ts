// The cleartext framework: what is signed, how it is framed (golden), and reading it with
// apt's rules, checked against gpg --clearsign output and gpgv.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { cleartextSignedText, dashEscape, formatCleartextSigned, readCleartextSigned } from '../../../repo-tool/src/sign/cleartext.js';
import { expectGolden } from './helpers/golden.js';
import { gpgHome, type GpgHome } from './helpers/gpg-home.js';
import { run } from './helpers/run.js';

const TEXT = 'Origin: HALF\n-dash line\n--\nFrom the start\nSHA256:\n abc 1 x\n';

describe('cleartextSignedText and dashEscape', () => {
  it('drops the final line ending, trailing blanks and CRs', () => {
    expect(cleartextSignedText('A: 1\n')).toBe('A: 1');
    expect(cleartextSignedText('A: 1')).toBe('A: 1');
    expect(cleartextSignedText('A: 1 \t\r\nB: 2\r\n')).toBe('A: 1\nB: 2');
    expect(cleartextSignedText('x\n\n')).toBe('x\n');
  });

  it('escapes exactly the lines that start with a dash', () => {
    expect(dashEscape('a\n-b\n--\n c\n')).toBe('a\n- -b\n- --\n c\n');
  });
});

describe('formatCleartextSigned', () => {
  it('frames the text with one Hash header and one signature block (golden)', async () => {
    const framed = formatCleartextSigned({ signedText: cleartextSignedText(TEXT), hashNames: ['SHA512'], signatures: Uint8Array.from([0xc2, 1, 4]) });
    await expectGolden('cleartext.txt', framed);
    const parts = readCleartextSigned(framed);
    expect(parts.ok && parts.value).toMatchObject({ hashHeaders: ['Hash: SHA512'], text: TEXT.slice(0, -1) });
  });
});

describe('readCleartextSigned', () => {
  const sig = '-----BEGIN PGP SIGNATURE-----\n\nwsA=\n-----END PGP SIGNATURE-----\n';
  it.each([
    ['a missing header', `Hash: SHA512\n\nx\n${sig}`, /does not start with/],
    ['a non-Hash armor header', `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\nCharset: UTF-8\n\nx\n${sig}`, /only Hash: is allowed/],
    ['an unescaped dash line', `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\n-x\n${sig}`, /not dash-escaped/],
    ['unsigned text after the signature', `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n${sig}Origin: evil\n`, /unsigned line/],
    ['an unclosed signature', `-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n-----BEGIN PGP SIGNATURE-----\n\nwsA=\n`, /not closed/],
    ['no signature', '-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA512\n\nx\n', /no "-----BEGIN PGP SIGNATURE-----" line/],
  ])('refuses %s', (_, input, error) => {
    const parts = readCleartextSigned(input);
    expect(parts.ok).toBe(false);
    expect(parts.ok ? '' : parts.error).toMatch(error);
  });

  it('accepts several signature blocks', () => {
    const parts = readCleartextSigned(`-----BEGIN PGP SIGNED MESSAGE-----\nHash: SHA256\n\nx\n${sig}${sig}`);
    expect(parts.ok && parts.value.signatureArmor).toBe(sig + sig);
  });
});

describe('against gpg', () => {
  let gpg: GpgHome;
  beforeAll(async () => {
    gpg = await gpgHome();
  });
  afterAll(() => gpg.close());

  it('reads gpg --clearsign output to the same text, and gpgv checks our framing of gpg signatures', async () => {
    const { fingerprint } = gpg.generate('HALF clear <clear@example.org>', 'ed25519', 'sign');
    const theirs = gpg.gpg(['--digest-algo', 'SHA512', '--clearsign'], TEXT).stdout;
    const parts = readCleartextSigned(theirs);
    if (!parts.ok) throw new Error(parts.error);
    expect(parts.value.text).toBe(TEXT.slice(0, -1));
    expect(parts.value.hashHeaders).toEqual(['Hash: SHA512']);

    // gpg's signature packets, reframed by us: gpgv must still accept the message.
    const signatures = gpg.gpgBytes(['--dearmor'], parts.value.signatureArmor);
    const ours = formatCleartextSigned({ signedText: cleartextSignedText(TEXT), hashNames: ['SHA512'], signatures });
    const keyring = join(gpg.dir, 'clear.gpg');
    await writeFile(keyring, gpg.gpgBytes(['--export', fingerprint]));
    const file = join(gpg.dir, 'InRelease');
    await writeFile(file, ours);
    const verified = run('gpgv', ['--keyring', keyring, file]);
    expect(verified.code, verified.stderr).toBe(0);
    await writeFile(file, ours.replace('From the start', 'From the end'));
    expect(run('gpgv', ['--keyring', keyring, file]).code).toBe(1);
  });
});
