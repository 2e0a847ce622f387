// A debsig-verify root (policy + keyring for one key) and a run of the real debsig-verify.
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface DebsigRoot {
  readonly dir: string;
  verify(deb: Uint8Array): Promise<{ code: number; output: string }>;
  remove(): Promise<void>;
}

/** ROOT/etc/debsig/policies/<ID>/half.pol and ROOT/usr/share/debsig/keyrings/<ID>/half.gpg. */
export async function makeDebsigRoot(keyId: string, publicKey: Uint8Array): Promise<DebsigRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'half-debsig-'));
  await mkdir(join(dir, 'etc/debsig/policies', keyId), { recursive: true });
  await mkdir(join(dir, 'usr/share/debsig/keyrings', keyId), { recursive: true });
  await writeFile(join(dir, 'usr/share/debsig/keyrings', keyId, 'half.gpg'), publicKey);
  const rule = `<Required Type="origin" File="half.gpg" id="${keyId}"/>`;
  await writeFile(
    join(dir, 'etc/debsig/policies', keyId, 'half.pol'),
    `<?xml version="1.0"?>\n<Policy xmlns="https://www.debian.org/debsig/1.0/">\n  <Origin Name="HALF" id="${keyId}" Description="HALF test"/>\n  <Selection>${rule}</Selection>\n  <Verification MinOptional="0">${rule}</Verification>\n</Policy>\n`,
  );
  return {
    dir,
    async verify(deb) {
      const path = join(dir, 'package.deb');
      await writeFile(path, deb);
      try {
        const { stdout, stderr } = await run('debsig-verify', ['--root', dir, path]);
        return { code: 0, output: stdout + stderr };
      } catch (error) {
        const e = error as { code?: number; stdout?: string; stderr?: string };
        return { code: typeof e.code === 'number' ? e.code : -1, output: `${e.stdout ?? ''}${e.stderr ?? ''}` };
      }
    },
    remove: () => rm(dir, { recursive: true, force: true }),
  };
}
