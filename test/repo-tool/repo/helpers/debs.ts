// Real .debs for repository tests, made by `dpkg-deb -b`, and read back with `dpkg-deb`
// (the stand-in for the builder's reader until it lands).
import { execFile } from 'node:child_process';
import { mkdir, readFile, rm, writeFile, mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { promisify } from 'node:util';
import { parseSingleParagraph } from '../../../../repo-tool/src/format/deb822.js';
import { digestsOf } from '../../../../repo-tool/src/format/digests.js';
import type { PoolEntry } from '../../../../repo-tool/src/model/artifact.js';
import { PackageFormatError } from '../../../../repo-tool/src/model/errors.js';
import type { InspectedDeb } from '../../../../repo-tool/src/repo/deb-inspector.js';

const run = promisify(execFile);

export interface DebSpec {
  readonly name: string;
  readonly version: string;
  readonly architecture: string;
  readonly source?: string;
  readonly section?: string;
  readonly depends?: string;
  readonly description?: string;
  /** More control fields, written before Description. */
  readonly extra?: readonly (readonly [string, string])[];
  /** Installed files: absolute path → content. */
  readonly files?: Readonly<Record<string, string>>;
}

export interface MadeDeb {
  readonly fileName: string;
  readonly path: string;
  readonly bytes: Uint8Array;
}

export function controlText(spec: DebSpec): string {
  const lines = [
    `Package: ${spec.name}`,
    `Version: ${spec.version}`,
    `Architecture: ${spec.architecture}`,
    'Maintainer: HALF Test <half-test@example.org>',
    'Installed-Size: 4',
  ];
  if (spec.source !== undefined) lines.push(`Source: ${spec.source}`);
  if (spec.depends !== undefined) lines.push(`Depends: ${spec.depends}`);
  lines.push(`Section: ${spec.section ?? 'net'}`, 'Priority: optional');
  for (const [k, v] of spec.extra ?? []) lines.push(`${k}: ${v}`);
  lines.push(`Description: ${spec.description ?? `test package ${spec.name}\n a package made for a test.\n .\n  verbatim line`}`);
  return lines.join('\n') + '\n';
}

/** Builds `name_version_arch.deb` in `outDir` with dpkg-deb (gzip, root-owned). */
export async function makeDeb(outDir: string, spec: DebSpec): Promise<MadeDeb> {
  const root = await mkdtemp(join(tmpdir(), 'half-debroot-'));
  try {
    await mkdir(join(root, 'DEBIAN'), { recursive: true });
    await writeFile(join(root, 'DEBIAN', 'control'), controlText(spec));
    const files = spec.files ?? { [`/usr/share/doc/${spec.name}/README`]: `${spec.name} ${spec.version}\n` };
    for (const [path, content] of Object.entries(files)) {
      await mkdir(dirname(join(root, path)), { recursive: true });
      await writeFile(join(root, path), content);
    }
    const version = spec.version.replace(/^[0-9]+:/, '');
    const fileName = `${spec.name}_${version}_${spec.architecture}.deb`;
    await mkdir(outDir, { recursive: true });
    const path = join(outDir, fileName);
    await run('dpkg-deb', ['--root-owner-group', '-Zgzip', '-b', root, path]);
    return { fileName, path, bytes: new Uint8Array(await readFile(path)) };
  } finally {
    await rm(root, { recursive: true, force: true });
  }
}

/** Reads control and file list of a .deb with dpkg-deb; throws PackageFormatError if dpkg-deb refuses it. */
export async function inspectWithDpkgDeb(bytes: Uint8Array, fileName: string): Promise<InspectedDeb> {
  const dir = await mkdtemp(join(tmpdir(), 'half-inspect-'));
  try {
    const path = join(dir, 'p.deb');
    await writeFile(path, bytes);
    let control: string;
    let listing: string;
    try {
      control = (await run('dpkg-deb', ['-I', path, 'control'])).stdout;
      listing = (await run('sh', ['-c', 'dpkg-deb --fsys-tarfile "$1" | tar -t', 'sh', path], { maxBuffer: 1 << 28 })).stdout;
    } catch (error) {
      throw new PackageFormatError(`${fileName}: dpkg-deb cannot read it`, { cause: error, hint: 'rebuild the package' });
    }
    const paths = listing
      .split('\n')
      .filter((l) => l !== '' && !l.endsWith('/'))
      .map((l) => l.replace(/^\.?\//, ''));
    return { control: parseSingleParagraph(control, { source: `control of ${fileName}` }), paths };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PoolEntry for a made .deb, as the pool scanner would produce it. */
export async function poolEntryOf(deb: MadeDeb, poolPath: string, suites: readonly string[], component = 'half'): Promise<PoolEntry> {
  const inspected = await inspectWithDpkgDeb(deb.bytes, deb.fileName);
  return { poolPath, digests: digestsOf(deb.bytes), control: inspected.control, paths: inspected.paths, suites, component };
}
