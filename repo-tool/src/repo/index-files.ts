// Index texts made into files: the plain bytes and each compressed form, with the digests
// Release lists and the by-hash names apt asks for. Identical texts (the same packages in
// several suites) are encoded, compressed and hashed once.
import { createHash } from 'node:crypto';
import type { IndexCompressor } from './index-compressor.js';
import type { IndexDigests } from './release.js';
import type { IndexText, Variant } from './suite-indexes.js';

export function indexDigestsOf(bytes: Uint8Array): IndexDigests {
  return {
    size: bytes.byteLength,
    md5: createHash('md5').update(bytes).digest('hex'),
    sha256: createHash('sha256').update(bytes).digest('hex'),
    sha512: createHash('sha512').update(bytes).digest('hex'),
  };
}

/** by-hash names relative to the file's directory, in the order MD5Sum, SHA256, SHA512. */
export function byHashNames(digests: IndexDigests): string[] {
  return [`by-hash/MD5Sum/${digests.md5}`, `by-hash/SHA256/${digests.sha256}`, `by-hash/SHA512/${digests.sha512}`];
}

/** The by-hash names of a file at `path` (relative to the root), as apt asks for them. */
export function byHashPaths(path: string, digests: IndexDigests): string[] {
  const dir = path.slice(0, path.lastIndexOf('/'));
  return byHashNames(digests).map((name) => `${dir}/${name}`);
}

export interface IndexFile {
  readonly bytes: Uint8Array;
  readonly digests: IndexDigests;
  /** Relative to the file's directory: `by-hash/SHA256/<hex>`… */
  readonly byHash: readonly string[];
}

export interface MaterializedIndex {
  /** Digests of the uncompressed text, written or not. */
  readonly plain: IndexDigests;
  readonly files: ReadonlyMap<Variant, IndexFile>;
}

const encoder = new TextEncoder();

export class IndexMaterializer {
  private readonly done = new Map<string, Map<string, Promise<MaterializedIndex>>>();

  constructor(private readonly compressor: IndexCompressor) {}

  materialize(index: IndexText): Promise<MaterializedIndex> {
    const forms = index.variants.join(',');
    let byText = this.done.get(forms);
    if (byText === undefined) this.done.set(forms, (byText = new Map()));
    let result = byText.get(index.text);
    if (result === undefined) {
      result = this.make(index);
      byText.set(index.text, result);
    }
    return result;
  }

  private async make(index: IndexText): Promise<MaterializedIndex> {
    const plainBytes = encoder.encode(index.text);
    const files = new Map<Variant, IndexFile>();
    await Promise.all(
      index.variants.map(async (variant) => {
        const bytes = variant === '' ? plainBytes : variant === '.gz' ? await this.compressor.gzip(plainBytes) : await this.compressor.xz(plainBytes);
        const digests = indexDigestsOf(bytes);
        files.set(variant, { bytes, digests, byHash: byHashNames(digests) });
      }),
    );
    return { plain: files.get('')?.digests ?? indexDigestsOf(plainBytes), files };
  }
}
