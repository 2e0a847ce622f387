// What a build produced, read from its .changes (deb-changes(5): `Checksums-Sha256` lists every
// file of the upload: .debs, .buildinfo, and the source package when included) and its .dsc
// (dsc(5): the files of the source package). Pure: texts in, file names and hashes out.
import { parseDeb822 } from '../format/deb822.js';
import { PackageFormatError } from '../model/errors.js';
import { getField } from '../model/paragraph.js';

export interface ListedFile {
  readonly name: string;
  readonly size: number;
  readonly sha256: string;
}

export interface BuildOutputs {
  readonly version: string;
  readonly binaries: readonly ListedFile[];
  readonly buildinfo: ListedFile | undefined;
}

/** `Checksums-Sha256` of a .changes or .dsc (armor of a signed file is not expected: -us -uc). */
export function sha256List(text: string, source: string): { version: string; files: ListedFile[] } {
  const paragraph = parseDeb822(text, { source })[0];
  const list = paragraph === undefined ? undefined : getField(paragraph, 'Checksums-Sha256');
  const version = paragraph === undefined ? undefined : getField(paragraph, 'Version');
  if (list === undefined || version === undefined) {
    throw new PackageFormatError(`${source} has no ${list === undefined ? 'Checksums-Sha256' : 'Version'} field`, {
      hint: 'the build did not finish properly: see the build log',
    });
  }
  const files = list
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '')
    .map((line) => {
      const [sha256 = '', size = '', name = ''] = line.split(/\s+/);
      if (!/^[0-9a-f]{64}$/.test(sha256) || !/^\d+$/.test(size) || name === '' || name.includes('/')) {
        throw new PackageFormatError(`${source}: malformed Checksums-Sha256 line "${line}"`, { hint: 'see the build log' });
      }
      return { name, size: Number(size), sha256 };
    });
  return { version: version.trim(), files };
}

/** The .debs (debug symbol packages excluded) and the .buildinfo listed in a .changes. */
export function buildOutputs(changesText: string, source: string): BuildOutputs {
  const { version, files } = sha256List(changesText, source);
  return {
    version,
    binaries: files.filter((f) => f.name.endsWith('.deb') && !f.name.includes('-dbgsym_')),
    buildinfo: files.find((f) => f.name.endsWith('.buildinfo')),
  };
}
