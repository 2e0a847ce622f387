// A small real .deb made by dpkg-deb, and a tiny ar(5) reader/appender for adding the
// `_gpgorigin` member (common ar format, as dpkg-deb writes it: 60-byte headers, even padding).
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Signer } from '../../../../repo-tool/src/model/signer.js';
import { GPG_ORIGIN_MEMBER, signGpgOrigin } from '../../../../repo-tool/src/sign/gpg-origin.js';
import { run } from './run.js';

export interface ArMember {
  readonly name: string;
  readonly data: Uint8Array;
}

export function readAr(bytes: Uint8Array): ArMember[] {
  const buf = Buffer.from(bytes);
  if (buf.subarray(0, 8).toString('latin1') !== '!<arch>\n') throw new Error('not an ar archive');
  const members: ArMember[] = [];
  let pos = 8;
  while (pos + 60 <= buf.length) {
    const name = buf.subarray(pos, pos + 16).toString('latin1').trimEnd().replace(/\/$/, '');
    const size = Number(buf.subarray(pos + 48, pos + 58).toString('latin1').trim());
    members.push({ name, data: new Uint8Array(buf.subarray(pos + 60, pos + 60 + size)) });
    pos += 60 + size + (size % 2);
  }
  return members;
}

export function appendArMember(archive: Uint8Array, name: string, data: Uint8Array): Uint8Array {
  const field = (value: string, width: number): string => value.padEnd(width, ' ');
  const header = field(name, 16) + field('0', 12) + field('0', 6) + field('0', 6) + field('100644', 8) + field(String(data.length), 10) + '`\n';
  const parts = [Buffer.from(archive), Buffer.from(header, 'latin1'), Buffer.from(data)];
  if (data.length % 2 === 1) parts.push(Buffer.from('\n'));
  return new Uint8Array(Buffer.concat(parts));
}

/** Builds `t_1.0_all.deb` in dir with dpkg-deb and returns its bytes. */
export async function buildTestDeb(dir: string): Promise<Uint8Array> {
  const root = join(dir, 'pkgroot');
  await mkdir(join(root, 'DEBIAN'), { recursive: true });
  await mkdir(join(root, 'usr/share/doc/half-sign-test'), { recursive: true });
  await writeFile(join(root, 'DEBIAN/control'), 'Package: half-sign-test\nVersion: 1.0\nArchitecture: all\nMaintainer: HALF <half@example.org>\nDescription: signature test package\n');
  await writeFile(join(root, 'usr/share/doc/half-sign-test/README'), 'origin signature test\n');
  const out = join(dir, 'half-sign-test_1.0_all.deb');
  const r = run('dpkg-deb', ['--root-owner-group', '-Zxz', '--build', root, out]);
  if (r.code !== 0) throw new Error(`dpkg-deb: ${r.stderr}`);
  return new Uint8Array(await readFile(out));
}

/** Installs a debsig policy and its keyring below ROOT, as half-archive-keyring would. */
export async function installDebsigPolicy(root: string, policy: { policyPath: string; policyXml: string; keyringPath: string }, keyring: Uint8Array): Promise<void> {
  for (const [path, data] of [[policy.policyPath, policy.policyXml], [policy.keyringPath, keyring]] as const) {
    await mkdir(join(root, path, '..'), { recursive: true });
    await writeFile(join(root, path), data);
  }
}

/** debsig-verify exit statuses (debsig.h): 0 verified, 10 no signature, 11 unknown origin, 12 no policy, 13 bad signature, 14 internal. */
export function debsigVerify(root: string, deb: string): { code: number; output: string } {
  const r = run('debsig-verify', ['--root', root, deb]);
  return { code: r.code, output: r.stdout + r.stderr };
}

/** Appends a `_gpgorigin` made by `signer` to `deb` and writes it to `path`. */
export async function writeSignedDeb(path: string, deb: Uint8Array, signer: Signer, date: Date): Promise<string> {
  const [debianBinary, controlTar, dataTar] = readAr(deb).map((m) => m.data);
  if (!debianBinary || !controlTar || !dataTar) throw new Error('unexpected .deb layout');
  await writeFile(path, appendArMember(deb, GPG_ORIGIN_MEMBER, await signGpgOrigin(signer, { debianBinary, controlTar, dataTar }, date)));
  return path;
}
