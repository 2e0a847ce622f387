// The dists/ side of a publish, before the switch: by-hash files (content-addressed, so they
// are only ever created), then temporary names for every index that changed and for the
// signed Release files, and the renames that will put them in place (InRelease of each suite
// last, suite symlinks after their targets).
import type { RepoPlan } from '../repo/plan-model.js';
import { Journal, tempName } from './journal.js';
import type { SignedSuite } from './sign-releases.js';
import type { PublishedStorage } from './storage.js';

export interface Rename {
  readonly from: string;
  readonly to: string;
}

/** Writes every by-hash file the plan needs; identical content in several suites is written once and linked. */
export async function writeByHash(plan: RepoPlan, storage: PublishedStorage, journal: Journal): Promise<void> {
  const bySha256 = new Map<string, string>();
  for (const suite of plan.suites) {
    for (const index of suite.indexes) {
      const primary = index.byHash[1] as string; // by-hash/SHA256/<hex>
      const twin = bySha256.get(index.digests.sha256);
      if ((await storage.stat(primary)) === undefined) {
        if (twin === undefined || !(await journal.link(twin, primary))) await journal.createNew(primary, index.bytes);
      }
      bySha256.set(index.digests.sha256, primary);
      for (const other of index.byHash) if (other !== primary) await journal.link(primary, other);
    }
  }
}

/** Stages changed indexes and the signed files; returns the renames of the switch, in order. */
export async function stageSuites(plan: RepoPlan, signed: readonly SignedSuite[], storage: PublishedStorage, journal: Journal): Promise<Rename[]> {
  const renames: Rename[] = [];
  for (const [i, suite] of plan.suites.entries()) {
    const live = await storage.statMany(suite.indexes.map((x) => x.path));
    const primaries = await storage.statMany(suite.indexes.map((x) => x.byHash[1] as string));
    for (const [j, index] of suite.indexes.entries()) {
      // The live file is a hard link of its by-hash twin when its content is already right.
      const a = live[j];
      const b = primaries[j];
      if (a !== undefined && b !== undefined && a.ino === b.ino && a.size === b.size) continue;
      await journal.stageLink(index.byHash[1] as string, tempName(index.path));
      renames.push({ from: tempName(index.path), to: index.path });
    }
    const s = signed[i] as SignedSuite;
    for (const [name, bytes] of [['Release', s.release], ['Release.gpg', s.releaseGpg], ['InRelease', s.inRelease]] as const) {
      const path = `${suite.dir}/${name}`;
      await journal.stageBytes(tempName(path), bytes);
      renames.push({ from: tempName(path), to: path });
    }
  }
  for (const link of plan.symlinks) {
    if ((await storage.readLink(link.path)) === link.target) continue;
    await journal.stageSymlink(link.target, tempName(link.path));
    renames.push({ from: tempName(link.path), to: link.path });
  }
  return renames;
}
