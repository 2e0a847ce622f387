import { execFile } from 'node:child_process';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PackageFormatError } from '../../../repo-tool/src/model/errors.js';
import { getField } from '../../../repo-tool/src/model/paragraph.js';
import { stripClearsign } from '../../../repo-tool/src/repo/cleartext.js';
import { parseDsc } from '../../../repo-tool/src/repo/dsc.js';
import { makeTestKey } from './helpers/signer.js';
import { makeNativeSource } from './helpers/sources.js';
import type { MadeSource } from './helpers/sources.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

const run = promisify(execFile);

describe('parseDsc', () => {
  let dir: string;
  let made: MadeSource;
  let text: string;
  beforeAll(async () => {
    dir = await makeTempDir('dsc');
    made = await makeNativeSource(dir, 'hello', '1:0.3');
    text = await readFile(join(dir, made.dscName), 'utf8');
  });
  afterAll(async () => removeTempDir(dir));

  it('reads what dpkg-source wrote: name, version and every file with all its checksums', async () => {
    const dsc = parseDsc(text, made.dscName);
    expect(dsc.source).toBe('hello');
    expect(dsc.version).toBe('1:0.3');
    const tarball = made.fileNames.find((f) => f.endsWith('.tar.xz')) as string;
    const sha256 = (await run('sha256sum', [join(dir, tarball)])).stdout.split(' ')[0];
    const md5 = (await run('md5sum', [join(dir, tarball)])).stdout.split(' ')[0];
    expect(dsc.files).toEqual([expect.objectContaining({ name: tarball, md5, sha256, sha1: expect.stringMatching(/^[0-9a-f]{40}$/) })]);
  });

  it('reads a signed .dsc: the text gpg verifies is the text parsed', async () => {
    const key = await makeTestKey();
    const signed = await key.signer.clearsign(text, new Date('2026-01-01T00:00:00Z'));
    expect(parseDsc(signed, made.dscName).paragraph).toEqual(parseDsc(text, made.dscName).paragraph);
    expect(stripClearsign(signed)).toBe(text);
    const keyring = join(dir, 'k.gpg');
    await writeFile(keyring, key.publicBinary);
    await writeFile(join(dir, 'signed.dsc'), signed);
    await run('gpgv', ['--keyring', keyring, join(dir, 'signed.dsc')]);
    expect(getField(parseDsc(signed, made.dscName).paragraph, 'Format')).toBe('3.0 (native)');
  });

  it('names the field and file of each defect', () => {
    const without = (field: string) => text.split('\n').filter((l) => !l.startsWith(`${field}:`)).join('\n');
    expect(() => parseDsc(without('Source'), 'x.dsc')).toThrow(PackageFormatError);
    expect(() => parseDsc(without('Source'), 'x.dsc')).toThrow(/^x\.dsc: has no Source field$/);
    expect(() => parseDsc(text.replace(/^Version: .*$/m, 'Version: one'), 'x.dsc')).toThrow(/x\.dsc: version "one": the upstream version "one" of "one" must start with a digit/);
    expect(() => parseDsc(text.replace(/^( [0-9a-f]{64}) (\d+) /m, '$1 12x '), 'x.dsc')).toThrow(/^x\.dsc: Checksums-Sha256: bad checksum or size for hello_0\.3\.tar\.xz$/);
    expect(() => parseDsc(text.replace(/hello_0\.3\.tar\.xz/g, '../escape.tar.xz'), 'x.dsc')).toThrow(/file name "\.\.\/escape\.tar\.xz" is not a plain file name/);
  });
});
