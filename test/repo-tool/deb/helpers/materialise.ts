// Writes a definition out as a directory tree with DEBIAN/, the input `dpkg-deb -b` expects,
// without using the builder's own resolution: files and symlinks written directly, trees
// copied with cp -a, every mode set with chmod (umask-proof), md5sums computed by the real
// md5sum over the written files. DEBIAN/control is the builder's text (what is compared is
// the packaging, not the control generation, which control.test.ts checks against
// dpkg-gencontrol).
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, readFile, readdir, rm, stat, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { promisify } from 'node:util';
import type { Content, PackageDefinition } from '../../../../repo-tool/src/model/definition.js';

const run = promisify(execFile);

async function bytesOf(content: Content, root: string): Promise<{ data: Uint8Array; executable: boolean }> {
  if (typeof content === 'string') return { data: Buffer.from(content), executable: false };
  if (content instanceof Uint8Array) return { data: content, executable: false };
  const file = isAbsolute(content.from) ? content.from : join(root, content.from);
  return { data: await readFile(file), executable: ((await stat(file)).mode & 0o111) !== 0 };
}

async function normaliseDirs(dir: string): Promise<void> {
  await chmod(dir, 0o755);
  for (const entry of await readdir(dir, { withFileTypes: true })) if (entry.isDirectory()) await normaliseDirs(join(dir, entry.name));
}

export interface Materialised {
  readonly dir: string;
  remove(): Promise<void>;
}

/** `controlText` is written as DEBIAN/control; `modes` overrides for explicit directories. */
export async function materialise(def: PackageDefinition, root: string, controlText: string, options: { md5sums?: boolean } = {}): Promise<Materialised> {
  const base = await mkdtemp(join(tmpdir(), 'half-deb-tree-'));
  const dir = join(base, 'pkg');
  await mkdir(join(dir, 'DEBIAN'), { recursive: true });
  for (const tree of def.trees ?? []) {
    const dest = join(dir, tree.to);
    await mkdir(dest, { recursive: true });
    await run('cp', ['-a', '--no-preserve=ownership', `${isAbsolute(tree.from) ? tree.from : join(root, tree.from)}/.`, dest]);
    await run('find', [dest, '-type', 'f', '-perm', '/111', '-exec', 'chmod', '0755', '{}', '+']);
    await run('find', [dest, '-type', 'f', '!', '-perm', '/111', '-exec', 'chmod', '0644', '{}', '+']);
  }
  for (const file of def.files ?? []) {
    const path = join(dir, file.path);
    await mkdir(dirname(path), { recursive: true });
    const { data, executable } = await bytesOf(file.content, root);
    await writeFile(path, data);
  await chmod(path, file.mode ?? (executable ? 0o755 : 0o644));
  }
  for (const link of def.symlinks ?? []) {
    await mkdir(dirname(join(dir, link.path)), { recursive: true });
    await symlink(link.target, join(dir, link.path));
  }
  for (const d of def.directories ?? []) await mkdir(join(dir, d.path), { recursive: true });
  await normaliseDirs(dir);
  for (const d of def.directories ?? []) await chmod(join(dir, d.path), d.mode ?? 0o755);

  const conffiles = [...(def.files ?? []).filter((f) => f.conffile === true).map((f) => f.path), ...(def.trees ?? []).flatMap((t) => (t.conffiles ?? []).map((c) => `${t.to}/${c}`))].sort();
  if (conffiles.length > 0) await writeFile(join(dir, 'DEBIAN/conffiles'), conffiles.map((c) => `${c}\n`).join(''));
  if (options.md5sums !== false) {
    const exclude = conffiles.flatMap((c) => ['!', '-path', `.${c}`]);
    const { stdout } = await run('sh', ['-c', 'find . -type f ! -path "./DEBIAN/*" "$@" -printf "%P\\0" | LC_ALL=C sort -z | xargs -0r md5sum', 'sh', ...exclude], { cwd: dir });
    if (stdout !== '') await writeFile(join(dir, 'DEBIAN/md5sums'), stdout);
  }
  const control: [string, Content | undefined, number][] = [
    ['preinst', def.scripts?.preinst, 0o755],
    ['postinst', def.scripts?.postinst, 0o755],
    ['prerm', def.scripts?.prerm, 0o755],
    ['postrm', def.scripts?.postrm, 0o755],
    ['config', def.scripts?.config, 0o755],
    ['templates', def.templates, 0o644],
    ['triggers', def.triggers, 0o644],
  ];
  for (const [name, content, mode] of control) {
    if (content === undefined) continue;
    await writeFile(join(dir, 'DEBIAN', name), (await bytesOf(content, root)).data);
    await chmod(join(dir, 'DEBIAN', name), mode);
  }
  await writeFile(join(dir, 'DEBIAN/control'), controlText);
  for (const name of ['control', 'md5sums', 'conffiles']) await chmod(join(dir, 'DEBIAN', name), 0o644).catch(() => undefined);
  return { dir, remove: () => rm(base, { recursive: true, force: true }) };
}

/** Runs `dpkg-deb -b` on a materialised tree; returns the .deb bytes. */
export async function dpkgDebBuild(dir: string, compression: 'xz' | 'gzip' | 'none', epoch: number): Promise<Uint8Array> {
  const out = `${dir}.deb`;
  await run('dpkg-deb', ['--root-owner-group', `-Z${compression}`, '--build', dir, out], { env: { ...process.env, SOURCE_DATE_EPOCH: String(epoch) } });
  return new Uint8Array(await readFile(out));
}
