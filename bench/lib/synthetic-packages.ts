// The benchmark input: N small packages, each written once to disk as a dpkg-deb build tree
// (DEBIAN/control, md5sums, conffiles, postinst, and the installed files) and described by an
// equivalent PackageDefinition whose files are read from that same tree. Both builders get the
// same bytes and must produce the same control fields and file lists (equivalence.ts checks).
// Content is deterministic (seeded by the package number) and partly incompressible.
import { createHash } from 'node:crypto';
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type { Content, PackageDefinition } from '../../repo-tool/src/model/definition.js';

export interface SyntheticPackage {
  readonly name: string;
  readonly version: string;
  /** The dpkg-deb build tree (absolute). */
  readonly tree: string;
  readonly definition: PackageDefinition;
}

interface PlannedFile {
  readonly path: string;
  readonly data: Uint8Array;
  readonly mode: number;
  readonly conffile?: boolean;
}

const WORDS = 'firewall state table conntrack failover replica kernel netlink packet route address cluster standby master backup sync link flow tuple timeout'.split(' ');
const MAINTAINER = 'HALF bench <bench@example.org>';
const POSTINST = '#!/bin/sh\nset -e\n# nothing to configure\nexit 0\n';

function prng(seed: number): () => number {
  let x = (seed * 2654435761) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x;
  };
}

export function packageName(i: number): string {
  return `bench-pkg-${String(i).padStart(5, '0')}`;
}

function filesOf(name: string, i: number): PlannedFile[] {
  const next = prng(i + 1);
  const words = Array.from({ length: 300 + (next() % 200) }, () => WORDS[next() % WORDS.length]).join(' ');
  const blob = new Uint8Array(2048 + (next() % 2048));
  for (let j = 0; j < blob.length; j++) blob[j] = j % 4 === 0 ? next() & 0xff : j & 0x3f;
  const utf8 = (s: string) => new TextEncoder().encode(s);
  return [
    { path: `/etc/${name}.conf`, data: utf8(`# ${name} settings\nenabled=yes\nlevel=${i % 7}\n`), mode: 0o644, conffile: true },
    { path: `/usr/bin/${name}`, data: utf8(`#!/bin/sh\necho "${name} $*"\n`), mode: 0o755 },
    { path: `/usr/lib/${name}/data.bin`, data: blob, mode: 0o644 },
    { path: `/usr/share/doc/${name}/README`, data: utf8(`${name}\n\n${words}\n`), mode: 0o644 },
  ];
}

function kib(bytes: number): number {
  return Math.ceil(bytes / 1024);
}

/** Installed-Size as dpkg-gencontrol computes it for this tree (see deb-substvars(5)). */
function installedSize(files: readonly PlannedFile[], controlFiles: readonly Uint8Array[]): number {
  const dirs = new Set<string>();
  for (const f of files) for (let d = dirname(f.path); d !== '/'; d = dirname(d)) dirs.add(d);
  return 1 + dirs.size + files.reduce((n, f) => n + kib(f.data.byteLength), 0) + 1 + controlFiles.reduce((n, d) => n + kib(d.byteLength), 0);
}

function controlText(name: string, version: string, size: number): string {
  return [
    `Package: ${name}`,
    `Version: ${version}`,
    'Architecture: amd64',
    `Maintainer: ${MAINTAINER}`,
    `Installed-Size: ${size}`,
    'Depends: libc6 (>= 2.36)',
    'Section: misc',
    'Priority: optional',
    `Description: HALF benchmark package ${name}`,
    ' A small synthetic package for the packaging benchmarks.',
    ' .',
    ' It installs a script, a data file, a README and a conffile.',
    '',
  ].join('\n');
}

function md5(data: Uint8Array): string {
  return createHash('md5').update(data).digest('hex');
}

function definitionOf(name: string, version: string, files: readonly PlannedFile[], content: (f: PlannedFile) => Content, postinst: Content): PackageDefinition {
  return {
    name,
    version,
    architecture: 'amd64',
    maintainer: MAINTAINER,
    description: {
      synopsis: `HALF benchmark package ${name}`,
      long: 'A small synthetic package for the packaging benchmarks.\n\nIt installs a script, a data file, a README and a conffile.',
    },
    section: 'misc',
    priority: 'optional',
    relationships: { depends: ['libc6 (>= 2.36)'] },
    files: files.map((f) => ({ path: f.path, content: content(f), mode: f.mode, ...(f.conffile ? { conffile: true } : {}) })),
    scripts: { postinst },
  };
}

/** Package `i`'s definition with its content in memory (no tree on disk): input for builds that are not timed. */
export function inlineSyntheticDefinition(i: number, version = '1.0-1'): PackageDefinition {
  const name = packageName(i);
  return definitionOf(name, version, filesOf(name, i), (f) => f.data, POSTINST);
}

/** Writes package `i`'s tree below `dir` and returns it with its definition (files read from the tree). */
export async function writeSyntheticPackage(dir: string, i: number, version = '1.0-1'): Promise<SyntheticPackage> {
  const name = packageName(i);
  const tree = join(dir, `${name}_${version}`);
  const files = filesOf(name, i);
  const conffiles = files.filter((f) => f.conffile).map((f) => `${f.path}\n`).join('');
  const md5sums = files.filter((f) => !f.conffile).map((f) => `${md5(f.data)}  ${f.path.slice(1)}\n`).sort().join('');
  const encoder = new TextEncoder();
  const size = installedSize(files, [encoder.encode(POSTINST), encoder.encode(conffiles)]);
  const debian: PlannedFile[] = [
    { path: '/DEBIAN/control', data: encoder.encode(controlText(name, version, size)), mode: 0o644 },
    { path: '/DEBIAN/md5sums', data: encoder.encode(md5sums), mode: 0o644 },
    { path: '/DEBIAN/conffiles', data: encoder.encode(conffiles), mode: 0o644 },
    { path: '/DEBIAN/postinst', data: encoder.encode(POSTINST), mode: 0o755 },
  ];
  for (const f of [...files, ...debian]) {
    const target = join(tree, f.path);
    await mkdir(dirname(target), { recursive: true, mode: 0o755 });
    await writeFile(target, f.data);
    await chmod(target, f.mode);
  }
  const from = (path: string) => ({ from: join(tree, path) });
  return { name, version, tree, definition: definitionOf(name, version, files, (f) => from(f.path), from('/DEBIAN/postinst')) };
}

/** Packages first..first+count-1, written in parallel batches. */
export async function writeSyntheticPackages(dir: string, count: number, first = 0): Promise<SyntheticPackage[]> {
  const out: SyntheticPackage[] = [];
  for (let start = 0; start < count; start += 200) {
    const batch = Array.from({ length: Math.min(200, count - start) }, (_, j) => writeSyntheticPackage(dir, first + start + j));
    out.push(...(await Promise.all(batch)));
  }
  return out;
}
