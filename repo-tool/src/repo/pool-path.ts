// Where a package lives in the pool, as Debian's archive lays it out
// (DebianRepository/Format, "pool"): pool/<component>/<prefix>/<source>/<file>, where the
// prefix is the source name's first letter, or its first four letters for `lib*` sources.
import { getField } from '../model/paragraph.js';
import type { Paragraph } from '../model/paragraph.js';
import { versionWithoutEpoch } from '../deb/version.js';

/** The source package a binary was built from: `Source:` without its `(version)`, or `Package:`. */
export function sourceNameOf(control: Paragraph): string {
  const source = getField(control, 'Source');
  if (source !== undefined && source.trim() !== '') return (source.trim().split(/\s+/)[0] as string);
  return getField(control, 'Package') ?? '';
}

/** `h` for `half`, `libn` for `libnetfilter-conntrack`. */
export function poolPrefix(source: string): string {
  return source.startsWith('lib') && source.length > 3 ? source.slice(0, 4) : source.slice(0, 1);
}

/** Directory of a source package's files, relative to the repository root. */
export function poolDirectory(component: string, source: string): string {
  return `pool/${component}/${poolPrefix(source)}/${source}`;
}

export function poolPathOf(component: string, source: string, fileName: string): string {
  return `${poolDirectory(component, source)}/${fileName}`;
}

/** Debian's binary file name: `name_version-without-epoch_arch.deb`. */
export function debFileName(name: string, version: string, architecture: string): string {
  return `${name}_${versionWithoutEpoch(version)}_${architecture}.deb`;
}
