// Storage wrappers for publish tests: one that counts, one that fails on the n-th change.
import type { PublishedStorage, StoredFileStat } from '../../../repo-tool/src/publish/storage.js';

type Op = 'writeFile' | 'link' | 'symlink' | 'remove' | 'rename' | 'readFile' | 'stat' | 'list' | 'readLink';

export class SpyStorage implements PublishedStorage {
  readonly calls: { op: Op; path: string }[] = [];
  /** Throw on the n-th call to a changing operation other than rename (1-based); 0: never. */
  failAt = 0;
  private changes = 0;

  constructor(private readonly inner: PublishedStorage) {}

  get location(): string {
    return this.inner.location;
  }

  /** Changing operations (not renames) seen so far. */
  get changeCount(): number {
    return this.changes;
  }

  private note(op: Op, path: string): void {
    this.calls.push({ op, path });
    if (op === 'writeFile' || op === 'link' || op === 'symlink' || op === 'remove') {
      this.changes++;
      if (this.changes === this.failAt) throw new Error(`injected failure at ${op} ${path}`);
    }
  }

  reads(predicate: (path: string) => boolean): string[] {
    return this.calls.filter((c) => c.op === 'readFile' && predicate(c.path)).map((c) => c.path);
  }

  async stat(path: string): Promise<StoredFileStat | undefined> {
    this.note('stat', path);
    return this.inner.stat(path);
  }
  async statMany(paths: readonly string[]): Promise<(StoredFileStat | undefined)[]> {
    for (const path of paths) this.note('stat', path);
    return this.inner.statMany(paths);
  }
  async readFile(path: string): Promise<Uint8Array> {
    this.note('readFile', path);
    return this.inner.readFile(path);
  }
  async list(dir: string): Promise<string[]> {
    this.note('list', dir);
    return this.inner.list(dir);
  }
  async writeFile(path: string, bytes: Uint8Array): Promise<void> {
    this.note('writeFile', path);
    return this.inner.writeFile(path, bytes);
  }
  async link(from: string, to: string): Promise<boolean> {
    this.note('link', to);
    return this.inner.link(from, to);
  }
  async rename(from: string, to: string): Promise<void> {
    this.note('rename', to);
    return this.inner.rename(from, to);
  }
  async remove(path: string): Promise<void> {
    this.note('remove', path);
    return this.inner.remove(path);
  }
  async symlink(target: string, path: string): Promise<void> {
    this.note('symlink', path);
    return this.inner.symlink(target, path);
  }
  async readLink(path: string): Promise<string | undefined> {
    this.note('readLink', path);
    return this.inner.readLink(path);
  }
}
