// half-repo import FILE…: adds .debs and source packages (.dsc) built elsewhere to the pool,
// after checking them; a bad file refuses the whole import and the repository is untouched.
import { lstat } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { debInspector } from '../../build/deb-inspector.js';
import { resolveSigner } from '../../build/signing.js';
import { UsageError } from '../../model/errors.js';
import { systemClock } from '../../publish/clock.js';
import { LocalStorage } from '../../publish/local-storage.js';
import { updateRepository } from '../../publish/update.js';
import { DiskChunkCache, defaultChunkCacheDir } from '../../repo/chunk-cache.js';
import { loadRepoConfig } from '../../repo/config-load.js';
import { importPackages } from '../../repo/import.js';
import { ChunkedIndexCompressor } from '../../repo/index-compressor.js';
import type { RepoContents } from '../../repo/pool-additions.js';
import { STATE_DIR } from '../../repo/state.js';
import { createProgress } from '../progress.js';
import { PROJECT_ROOT } from '../root.js';

interface ImportFlags {
  out: string;
  suite: string[];
  component?: string;
  key: string[];
}

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('add .deb files and source packages (.dsc) built elsewhere to the repository')
    .argument('<files...>', '.deb or .dsc files (a .dsc needs the files it lists beside it)')
    .option('--out <dir>', 'repository directory', 'public')
    .option('--suite <codename>', 'suite to list them in (repeatable; default: every suite)', collect, [])
    .option('--component <name>', 'component (default: the first configured)')
    .option('--key <file>', 'private signing key (repeatable)', collect, [])
    .action(async (files: string[], flags: ImportFlags) => {
      const config = await loadRepoConfig(PROJECT_ROOT);
      const component = flags.component ?? (config.components[0] as string);
      const suites = flags.suite.length > 0 ? flags.suite : config.suites.map((s) => s.codename);
      const bad = files.filter((f) => !f.endsWith('.deb') && !f.endsWith('.dsc'));
      if (bad.length > 0) throw new UsageError(`not a .deb or .dsc: ${bad.join(', ')}`, { hint: 'import binary packages (.deb) or source packages (.dsc)' });
      const progress = createProgress();
      const { signer } = await resolveSigner({ root: PROJECT_ROOT, env: process.env, keyFiles: flags.key, now: new Date(), progress });
      const inspect = debInspector;
      const paths = files.map((f) => resolve(f));
      const check = (known: RepoContents) => importPackages(paths, known, { config, inspect, placement: { component, suites } });
      // Taking the lock creates DIR/.half-repo/flock (and DIR): where there is no repository state
      // yet, the files are checked first, so a refused import leaves nothing behind. The pool there
      // is empty, so this is the whole check unless another import fills it meanwhile.
      const out = resolve(flags.out);
      const early = (await lstat(join(out, STATE_DIR)).then(() => true, () => false)) ? undefined : await check({ binaries: [], sources: [] });
      const update = await updateRepository({
        storage: new LocalStorage(out),
        config,
        date: new Date(),
        signer,
        clock: systemClock,
        inspect,
        compressor: new ChunkedIndexCompressor(new DiskChunkCache(defaultChunkCacheDir(process.env, homedir()))),
        add: (known) => (early !== undefined && known.binaries.length === 0 && known.sources.length === 0 ? Promise.resolve(early) : check(known)),
      });
      for (const path of update.result.addedPool) process.stdout.write(`added ${path}\n`);
      if (update.result.addedPool.length === 0) process.stdout.write('nothing new: every file was already in the pool\n');
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
