// The member layout of a .deb as deb(5) defines it and dpkg-deb enforces it: `debian-binary`
// first (format "2.x"), then `control.tar[.gz|.xz|.zst]`, then `data.tar[...]`, each possibly
// preceded by members whose names start with '_' (ignored); anything after data.tar is
// ignored too, except that `_gpgorigin` is recognised as a debsig origin signature.
// Pure: ar entries in, the located members (or a PackageFormatError) out.
import type { ArEntry } from '../format/ar.js';
import { compressionOfSuffix, type Decompression } from '../format/compression.js';
import { PackageFormatError } from '../model/errors.js';

export interface TarMember {
  readonly name: string;
  readonly compression: Decompression;
  readonly data: Uint8Array;
}

export interface DebLayout {
  readonly formatVersion: string;
  readonly control: TarMember;
  readonly data: TarMember;
  /** Raw members covered by an origin signature: debian-binary, control.tar.*, data.tar.*. */
  readonly signed: readonly Uint8Array[];
  readonly gpgorigin?: Uint8Array;
  readonly memberNames: readonly string[];
}

const latin1 = new TextDecoder('latin1');

function tarMember(entry: ArEntry, base: 'control.tar' | 'data.tar', source: string): TarMember {
  const suffix = entry.name.slice(base.length);
  const compression = compressionOfSuffix(suffix);
  if (compression === undefined) {
    throw new PackageFormatError(`${source}: member "${entry.name}" uses an unsupported compression "${suffix}"`, { hint: 'rebuild the package with xz, gzip or zstd compression' });
  }
  return { name: entry.name, compression, data: entry.data };
}

/** Locates the members; throws PackageFormatError naming `source` and what is missing or misplaced. */
export function debLayout(entries: readonly ArEntry[], source: string): DebLayout {
  const fail = (what: string): never => {
    throw new PackageFormatError(`${source}: ${what}`, { hint: 'a .deb holds debian-binary, control.tar.* and data.tar.*, in that order (deb(5))' });
  };
  const first = entries[0];
  if (first === undefined) return fail('the archive has no members');
  if (first.name !== 'debian-binary') return fail(`the first member is "${first.name}", not "debian-binary"`);
  const formatVersion = latin1.decode(first.data);
  if (!/^2\.\d+\n/.test(formatVersion)) return fail(`debian-binary holds ${JSON.stringify(formatVersion.slice(0, 16))}, not a 2.x format version`);
  let control: TarMember | undefined;
  let data: TarMember | undefined;
  let gpgorigin: Uint8Array | undefined;
  for (const entry of entries.slice(1)) {
    if (entry.name === 'debian-binary') return fail('"debian-binary" appears twice');
    if (data === undefined) {
      if (entry.name.startsWith('control.tar')) {
        if (control !== undefined) return fail(`a second control member "${entry.name}"`);
        control = tarMember(entry, 'control.tar', source);
      } else if (entry.name.startsWith('data.tar')) {
        if (control === undefined) return fail(`member "${entry.name}" comes before the control member`);
        data = tarMember(entry, 'data.tar', source);
      } else if (!entry.name.startsWith('_')) {
        return fail(`unexpected member "${entry.name}" before data.tar`);
      }
    }
    if (entry.name === '_gpgorigin') gpgorigin = entry.data;
  }
  if (control === undefined) return fail('the control.tar member is missing');
  if (data === undefined) return fail('the data.tar member is missing');
  return {
    formatVersion: formatVersion.trimEnd(),
    control,
    data,
    signed: [first.data, control.data, data.data],
    ...(gpgorigin === undefined ? {} : { gpgorigin }),
    memberNames: entries.map((e) => e.name),
  };
}
