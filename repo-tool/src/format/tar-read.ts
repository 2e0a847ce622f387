// Reading tar archives (the members of a .deb) through tar-stream's extractor, which decodes
// ustar, GNU long names and pax records (GNU tar manual, "Standard"; POSIX.1-2001 pax). Used by
// the .deb reader and, in tests, as an implementation independent of our writer (format/tar.ts).
import { createHash } from 'node:crypto';
import { extract } from 'tar-stream';
import { PackageFormatError } from '../model/errors.js';

export type TarItemType = 'file' | 'directory' | 'symlink' | 'link' | 'other';

export interface TarItem {
  /** The name as stored (e.g. `./usr/bin/half`, directories with their trailing '/'). */
  readonly name: string;
  readonly type: TarItemType;
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly uname: string;
  readonly gname: string;
  readonly mtime: number;
  readonly size: number;
  /** Symlink or hard link target. */
  readonly target?: string;
  /** The bytes of a regular file, when asked for. */
  readonly data?: Uint8Array;
  /** MD5 of a regular file's bytes (hex), when asked for. */
  readonly md5?: string;
  /** Whether a pax extended header described this entry (dpkg cannot install those). */
  readonly pax: boolean;
}

export interface ReadTarOptions {
  /** What is being read, for error messages (`data.tar.xz of foo.deb`). */
  readonly source: string;
  /** Which regular files to keep the bytes of; default none. */
  readonly keepData?: (name: string) => boolean;
  /** Compute every regular file's MD5 (for md5sums checks); default false. */
  readonly md5?: boolean;
}

function typeOf(type: string | null | undefined): TarItemType {
  switch (type) {
    case 'file':
    case 'contiguous-file':
      return 'file';
    case 'directory':
    case 'symlink':
    case 'link':
      return type;
    default:
      return 'other';
  }
}

/** Lists every entry. Throws PackageFormatError naming `options.source` on malformed input. */
export async function readTar(bytes: Uint8Array, options: ReadTarOptions): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const ex = extract();
  const buffer = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  ex.end(buffer);
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const type = typeOf(h.type);
      const keep = type === 'file' && options.keepData !== undefined && options.keepData(h.name);
      const chunks: Buffer[] = [];
      const hash = type === 'file' && options.md5 === true ? createHash('md5') : undefined;
      for await (const chunk of entry) {
        if (keep) chunks.push(chunk as Buffer);
        hash?.update(chunk as Buffer);
      }
      const target = h.linkname ?? undefined;
      items.push({
        name: h.name,
        type,
        mode: h.mode ?? 0,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        uname: h.uname ?? '',
        gname: h.gname ?? '',
        mtime: h.mtime === undefined ? 0 : Math.floor(h.mtime.getTime() / 1000),
        size: h.size ?? 0,
        ...(target !== undefined && target !== '' ? { target } : {}),
        ...(keep ? { data: new Uint8Array(Buffer.concat(chunks)) } : {}),
        ...(hash === undefined ? {} : { md5: hash.digest('hex') }),
        pax: (h as { pax?: unknown }).pax != null,
      });
    }
  } catch (error) {
    throw new PackageFormatError(`${options.source}: corrupt tar archive (${(error as Error).message})`, {
      hint: 'the archive is damaged or not a tar file; rebuild the package',
      cause: error,
    });
  }
  return items;
}
