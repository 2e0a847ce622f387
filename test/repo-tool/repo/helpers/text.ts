// Synthetic index text shaped like a real Packages file (random digests make it incompressible
// in the same places a real one is).
import { createHash } from 'node:crypto';

export function fakeStanza(i: number, version = '1.0'): string {
  const h = (s: string, alg: string) => createHash(alg).update(s).digest('hex');
  const name = `pkg${String(i).padStart(5, '0')}`;
  return (
    `Package: ${name}\nArchitecture: amd64\nVersion: ${version}\nPriority: optional\nSection: net\n` +
    `Maintainer: HALF Test <half-test@example.org>\nInstalled-Size: ${i % 977}\nDepends: libc6 (>= 2.36)\n` +
    `Filename: pool/half/p/${name}/${name}_${version}_amd64.deb\nSize: ${1000 + i}\nMD5sum: ${h(name + version, 'md5')}\n` +
    `SHA256: ${h(name + version, 'sha256')}\nDescription: package number ${i}\n a synthetic package.\n\n`
  );
}

export function fakePackages(count: number, changed?: { index: number; version: string }): string {
  let out = '';
  for (let i = 0; i < count; i++) out += fakeStanza(i, changed?.index === i ? changed.version : '1.0');
  return out;
}
