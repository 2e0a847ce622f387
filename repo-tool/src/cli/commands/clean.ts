// half-repo clean [DIR] [--dry-run]: removes pool files that neither the state nor any published
// index names, and temporary files a killed publish left (publish/clean.ts).
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { cleanRepository } from '../../publish/clean.js';
import { LocalStorage } from '../../publish/local-storage.js';

export function registerClean(program: Command): void {
  program
    .command('clean')
    .description('remove pool files no index or state names, and temporary files a killed publish left')
    .argument('[dir]', 'repository directory', 'public')
    .option('-n, --dry-run', 'list what would be removed, remove nothing')
    .action(async (dir: string, flags: { dryRun?: boolean }) => {
      const dryRun = flags.dryRun === true;
      const result = await cleanRepository(new LocalStorage(resolve(dir)), { dryRun });
      for (const path of dryRun ? result.unreferenced : result.removed) process.stdout.write(`${dryRun ? 'would remove' : 'removed'} ${path}\n`);
      for (const { path, why } of result.leftAlone) process.stdout.write(`left alone ${path}: ${why}\n`);
      if (result.unreferenced.length === 0) process.stdout.write('nothing to clean: the state and the indexes name every package file in the pool\n');
      else if (dryRun && result.unreferenced.some((p) => p.endsWith('.deb'))) {
        process.stdout.write('to publish a listed .deb rather than remove it, copy it out of the pool and run half-repo import on the copy\n');
      }
    });
}
