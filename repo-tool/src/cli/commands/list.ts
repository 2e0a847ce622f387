// half-repo list [--json]: what the repository holds (binary and source packages, with their
// suites), read from its state file.
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { getField } from '../../model/paragraph.js';
import { LocalStorage } from '../../publish/local-storage.js';
import { loadState, requirePublished } from '../../publish/state-store.js';
import { compareVersions } from '../../deb/version.js';

export interface ListedPackage {
  readonly type: 'binary' | 'source';
  readonly package: string;
  readonly version: string;
  readonly architecture: string;
  readonly component: string;
  readonly suites: readonly string[];
  readonly path: string;
}

export function registerList(program: Command): void {
  program
    .command('list')
    .description('list the packages in the repository')
    .argument('[dir]', 'repository directory', 'public')
    .option('--json', 'machine-readable output')
    .action(async (dir: string, flags: { json?: boolean }) => {
      const storage = new LocalStorage(resolve(dir));
      await requirePublished(storage);
      const state = await loadState(storage);
      const rows: ListedPackage[] = [
        ...state.binaries.map(({ entry }) => ({
          type: 'binary' as const,
          package: getField(entry.control, 'Package') ?? '?',
          version: getField(entry.control, 'Version') ?? '?',
          architecture: getField(entry.control, 'Architecture') ?? '?',
          component: entry.component,
          suites: entry.suites,
          path: entry.poolPath,
        })),
        ...state.sources.map(({ entry }) => ({
          type: 'source' as const,
          package: getField(entry.dsc, 'Source') ?? '?',
          version: getField(entry.dsc, 'Version') ?? '?',
          architecture: 'source',
          component: entry.component,
          suites: entry.suites,
          path: entry.dscPoolPath,
        })),
      ].sort((a, b) => a.package.localeCompare(b.package, 'en') || compareVersions(a.version, b.version) || a.architecture.localeCompare(b.architecture, 'en'));
      if (flags.json === true) {
        process.stdout.write(JSON.stringify(rows, null, 2) + '\n');
        return;
      }
      const table = [['PACKAGE', 'VERSION', 'ARCH', 'COMPONENT', 'SUITES'], ...rows.map((r) => [r.package, r.version, r.architecture, r.component, r.suites.join(',')])];
      const widths = table[0]!.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
      for (const row of table) process.stdout.write(row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd() + '\n');
    });
}
