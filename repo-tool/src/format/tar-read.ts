// Reading tar archives (the members of a .deb) through tar-stream's extractor, which decodes
// ustar, GNU long names and pax records (GNU tar manual, "Standard"; POSIX.1-2001 pax). Used by
// the .deb reader and, in tests, as an implementation independent of our writer (format/tar.ts).
// The archive may come as a stream of chunks (a decompressor's output): it is parsed as it
// comes, file bodies are hashed and dropped unless asked for, and what is kept has limits, so
// the memory used does not grow with the archive's size.
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
  /**
   * Refuse an archive larger than this, as soon as a header declares a size that takes it
   * beyond (before the bytes are read); default none.
   */
  readonly maxSize?: number;
  /** Refuse an archive with more entries than this; default none. */
  readonly maxEntries?: number;
  /** Refuse an archive whose kept file bytes (keepData) add up to more than this; default none. */
  readonly maxKept?: number;
  /** What to do about an archive refused for maxSize, maxEntries or maxKept. */
  readonly limitHint?: string;
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

type Extract = ReturnType<typeof extract>;

async function* whole(bytes: Uint8Array): AsyncGenerator<Uint8Array, void, undefined> {
  yield bytes;
}

/** Resolves when the extractor takes more input or is closed (its errors are the reader's). */
function writable(ex: Extract): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      ex.off('drain', done);
      ex.off('close', done);
      resolve();
    };
    ex.on('drain', done);
    ex.on('close', done);
  });
}

/** Writes `input` into the extractor as it is read, waiting while the extractor is full. */
async function feed(ex: Extract, input: AsyncIterable<Uint8Array>, stopped: () => boolean): Promise<void> {
  for await (const chunk of input) {
    if (stopped() || ex.destroyed) return; // leaving the loop stops the input (and the tool behind it)
    if (!ex.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength)) && !ex.destroyed) await writable(ex);
  }
  if (!stopped() && !ex.destroyed) ex.end(() => undefined);
}

/**
 * Lists every entry of `input` (the archive's bytes, or its chunks as they come). Throws
 * PackageFormatError naming `options.source` on malformed input or when a limit is passed; an
 * error of `input` itself (a decompressor's) is thrown as it is.
 */
export async function readTar(input: Uint8Array | AsyncIterable<Uint8Array>, options: ReadTarOptions): Promise<TarItem[]> {
  const items: TarItem[] = [];
  const ex = extract();
  const chunks = input instanceof Uint8Array ? whole(input) : input;
  let stop = false;
  let inputError: { error: unknown } | undefined;
  const feeding = feed(ex, chunks, () => stop).catch((error: unknown) => {
    inputError = { error };
    ex.destroy(error as Error);
  });
  const refuse = (what: string, hint: string): never => {
    throw new PackageFormatError(`${options.source}: ${what}`, { hint });
  };
  let kept = 0;
  /** One string per owner name, not one per entry: a list of many entries stays small. */
  const names = new Map<string, string>();
  const owner = (name: string | undefined): string => {
    const known = names.get(name ?? '');
    if (known !== undefined) return known;
    if (names.size < 256) names.set(name ?? '', name ?? '');
    return name ?? '';
  };
  /** Bytes the archive has at least, headers and padded bodies so far. */
  let atLeast = 0;
  try {
    for await (const entry of ex) {
      const h = entry.header;
      const type = typeOf(h.type);
      if (options.maxEntries !== undefined && items.length >= options.maxEntries) {
        refuse(`refused, it has more than ${options.maxEntries} entries, the most it may have`, options.limitHint ?? 'rebuild the package');
      }
      atLeast += 512 + Math.ceil((h.size ?? 0) / 512) * 512;
      if (options.maxSize !== undefined && atLeast > options.maxSize) {
        refuse(`refused, its entry "${h.name}" (${h.size ?? 0} bytes) takes it beyond ${options.maxSize} bytes, the most it may have`, options.limitHint ?? 'rebuild the package');
      }
      const keep = type === 'file' && options.keepData !== undefined && options.keepData(h.name);
      if (keep && options.maxKept !== undefined && kept + (h.size ?? 0) > options.maxKept) {
        refuse(`refused, its files add up to more than ${options.maxKept} bytes (at "${h.name}"), the most it may have`, options.limitHint ?? 'rebuild the package');
      }
      const parts: Buffer[] = [];
      const hash = type === 'file' && options.md5 === true ? createHash('md5') : undefined;
      for await (const chunk of entry) {
        if (keep) parts.push(chunk as Buffer);
        hash?.update(chunk as Buffer);
      }
      if (keep) kept += h.size ?? 0;
      const target = h.linkname ?? undefined;
      items.push({
        name: h.name,
        type,
        mode: h.mode ?? 0,
        uid: h.uid ?? 0,
        gid: h.gid ?? 0,
        uname: owner(h.uname),
        gname: owner(h.gname),
        mtime: h.mtime === undefined ? 0 : Math.floor(h.mtime.getTime() / 1000),
        size: h.size ?? 0,
        ...(target !== undefined && target !== '' ? { target } : {}),
        ...(keep ? { data: new Uint8Array(Buffer.concat(parts)) } : {}),
        ...(hash === undefined ? {} : { md5: hash.digest('hex') }),
        pax: (h as { pax?: unknown }).pax != null,
      });
    }
  } catch (error) {
    stop = true;
    ex.destroy(error as Error);
    await feeding;
    if (inputError !== undefined) throw inputError.error;
    if (error instanceof PackageFormatError) throw error;
    throw new PackageFormatError(`${options.source}: corrupt tar archive (${(error as Error).message})`, {
      hint: 'the archive is damaged or not a tar file; rebuild the package',
      cause: error,
    });
  }
  await feeding;
  if (inputError !== undefined) throw inputError.error;
  return items;
}
