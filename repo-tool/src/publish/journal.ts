// Records every name the publisher creates before the switch, so a failure can remove them and
// leave the published tree exactly as it was. New files are written under a temporary name and
// then linked to their final name, so a final name never shows a partly written file and never
// replaces an existing one.
import type { PublishedStorage } from './storage.js';

/** `dir/.name.half-new`: the temporary sibling of `path`. */
export function tempName(path: string): string {
  const slash = path.lastIndexOf('/');
  return `${path.slice(0, slash + 1)}.${path.slice(slash + 1)}.half-new`;
}

/** Whether `path` is a temporary name (`tempName`'s form): one a publish killed part way may leave. */
export function isTempName(path: string): boolean {
  return /(^|\/)\.[^/]+\.half-new$/.test(path);
}

export class Journal {
  private readonly created: string[] = [];

  constructor(private readonly storage: PublishedStorage) {}

  /** Creates `path` with `bytes` unless something is there already; true if it created it. */
  async createNew(path: string, bytes: Uint8Array): Promise<boolean> {
    if ((await this.storage.stat(path)) !== undefined) return false;
    const temp = tempName(path);
    this.created.push(temp);
    await this.storage.writeFile(temp, bytes);
    const made = await this.storage.link(temp, path);
    if (made) this.created.push(path);
    await this.storage.remove(temp);
    return made;
  }

  /**
   * Writes `bytes` over `path`, a file no index ever listed (checkPool's leftovers), through a
   * temporary name and a rename. A rollback removes it: it was garbage before too.
   */
  async replaceLeftover(path: string, bytes: Uint8Array): Promise<void> {
    const temp = tempName(path);
    this.created.push(temp);
    await this.storage.writeFile(temp, bytes);
    await this.storage.rename(temp, path);
    this.created.push(path);
  }

  /** Gives `from` the extra name `to` unless `to` exists; true if it created it. */
  async link(from: string, to: string): Promise<boolean> {
    const made = await this.storage.link(from, to);
    if (made) this.created.push(to);
    return made;
  }

  /** Writes a temporary file (replacing a stale one) that the switch renames into place. */
  async stageBytes(temp: string, bytes: Uint8Array): Promise<void> {
    this.created.push(temp);
    await this.storage.writeFile(temp, bytes);
  }

  /** Stages a temporary name of an existing file (a by-hash copy) for the switch. */
  async stageLink(from: string, temp: string): Promise<void> {
    this.created.push(temp);
    await this.storage.remove(temp);
    if (!(await this.storage.link(from, temp))) throw new Error(`cannot stage ${temp}: it exists`);
  }

  async stageSymlink(target: string, temp: string): Promise<void> {
    this.created.push(temp);
    await this.storage.symlink(target, temp);
  }

  /** Removes everything created, newest first. Errors are collected, not thrown. */
  async rollback(): Promise<string[]> {
    const failures: string[] = [];
    for (const path of this.created.reverse()) {
      try {
        await this.storage.remove(path);
      } catch (error) {
        failures.push(`${path}: ${(error as Error).message}`);
      }
    }
    this.created.length = 0;
    return failures;
  }
}
