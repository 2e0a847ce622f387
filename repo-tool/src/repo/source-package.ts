// Checks a source package given as bytes (the .dsc and the files it lists) and places it in
// the pool. Pure: the importer reads the files; nothing here touches the disk.
import { digestsOf } from '../format/digests.js';
import type { Digests } from '../format/digests.js';
import type { NewPoolFile } from './plan-model.js';
import { PackageFormatError } from '../model/errors.js';
import { parseDsc } from './dsc.js';
import type { DscFile } from './dsc.js';
import { poolPathOf } from './pool-path.js';
import type { SourceEntry } from './source-entry.js';
import { versionWithoutEpoch } from '../deb/version.js';

export interface NamedBytes {
  readonly name: string;
  readonly bytes: Uint8Array;
}

export interface CheckedSource {
  readonly entry: SourceEntry;
  /** The .dsc and every file it lists, at their pool paths. */
  readonly poolFiles: readonly NewPoolFile[];
}

function mismatch(listed: DscFile, actual: Digests): string | undefined {
  if (listed.size !== actual.size) return `size ${actual.size}, the .dsc says ${listed.size}`;
  for (const key of ['md5', 'sha1', 'sha256', 'sha512'] as const) {
    const want = listed[key];
    if (want !== undefined && want !== actual[key]) return `${key} ${actual[key]}, the .dsc says ${want}`;
  }
  return undefined;
}

/**
 * Verifies every listed file against the .dsc's checksums and returns the Sources entry.
 * `files` must hold each file the .dsc lists (extra ones are ignored).
 */
export function checkSourcePackage(dsc: NamedBytes, files: readonly NamedBytes[], component: string, suites: readonly string[]): CheckedSource {
  const parsed = parseDsc(new TextDecoder().decode(dsc.bytes), dsc.name);
  const expectedName = `${parsed.source}_${versionWithoutEpoch(parsed.version)}.dsc`;
  if (dsc.name !== expectedName) {
    throw new PackageFormatError(`${dsc.name}: the .dsc describes ${parsed.source} ${parsed.version}, so it must be named ${expectedName}`, {
      hint: 'import the file under the name dpkg-source gave it',
    });
  }
  const byName = new Map(files.map((f) => [f.name, f]));
  const poolFiles: NewPoolFile[] = [];
  const sourceFiles = parsed.files.map((listed) => {
    const file = byName.get(listed.name);
    if (file === undefined) {
      throw new PackageFormatError(`${dsc.name} lists ${listed.name}, which was not found next to it`, { hint: 'copy every file the .dsc lists into its directory' });
    }
    const digests = digestsOf(file.bytes);
    const wrong = mismatch(listed, digests);
    if (wrong !== undefined) {
      throw new PackageFormatError(`${listed.name} does not match ${dsc.name}: ${wrong}`, { hint: 'the file is corrupt or belongs to another upload; fetch it again' });
    }
    poolFiles.push({ path: poolPathOf(component, parsed.source, listed.name), bytes: file.bytes, digests });
    return { name: listed.name, digests };
  });
  const dscDigests = digestsOf(dsc.bytes);
  const dscPoolPath = poolPathOf(component, parsed.source, dsc.name);
  poolFiles.unshift({ path: dscPoolPath, bytes: dsc.bytes, digests: dscDigests });
  return { entry: { dscPoolPath, dsc: parsed.paragraph, dscDigests, files: sourceFiles, suites, component }, poolFiles };
}
