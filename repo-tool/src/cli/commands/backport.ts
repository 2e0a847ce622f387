// half-repo backport PACKAGE [--suite S]: builds (or takes from the cache) the backport named in
// pkgs/backports.json and publishes it, binaries and source, into the repository.
import { homedir } from 'node:os';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { loadBackportSpecs, publishedSource, requiringSuites, runBackports } from '../../build/backports.js';
import { debInspector } from '../../build/deb-inspector.js';
import { resolveSigner } from '../../build/signing.js';
import { DefinitionError, UsageError } from '../../model/errors.js';
import { systemClock } from '../../publish/clock.js';
import { LocalStorage } from '../../publish/local-storage.js';
import { updateRepository } from '../../publish/update.js';
import { DiskChunkCache, defaultChunkCacheDir } from '../../repo/chunk-cache.js';
import { loadRepoConfig } from '../../repo/config-load.js';
import { importPackages } from '../../repo/import.js';
import { ChunkedIndexCompressor } from '../../repo/index-compressor.js';
import type { MergedContents, RepoContents } from '../../repo/pool-additions.js';
import { createProgress } from '../progress.js';
import { PROJECT_ROOT } from '../root.js';

export function registerBackport(program: Command): void {
  program
    .command('backport')
    .description('build a backport of pkgs/backports.json in a clean chroot (cached) and publish it')
    .argument('<package>', 'source package, e.g. keepalived')
    .option('--suite <codename>', 'target suite (repeatable; default: those in pkgs/backports.json)', (v: string, p: string[]) => [...p, v], [])
    .option('--out <dir>', 'repository directory', 'public')
    .option('--key <file>', 'private signing key (repeatable)', (v: string, p: string[]) => [...p, v], [])
    .action(async (name: string, flags: { suite: string[]; out: string; key: string[] }) => {
      const specs = await loadBackportSpecs(PROJECT_ROOT);
      const spec = specs.find((s) => s.package === name);
      // a misspelt name, or one the definitions lack: a definition error (exit 3), as a misspelt entry in the file is
      if (spec === undefined) throw new DefinitionError(`${name} is not in pkgs/backports.json`, { hint: `check the name (backported: ${specs.map((s) => s.package).join(', ') || 'none'}), or add it there with its suites, sourceDateEpoch, iteration and maintainer` });
      const unknown = flags.suite.filter((suite) => !spec.suites.includes(suite));
      if (unknown.length > 0) {
        throw new UsageError(`--suite ${unknown.join(', ')}: ${name} is backported to ${spec.suites.join(' and ')} only`, { hint: `name one of ${spec.suites.join(', ')}, or add the suite to ${name}.suites in pkgs/backports.json` });
      }
      const progress = createProgress();
      // a suite named here is the one asked for: failing to build it fails the command (with the
      // error's own exit code) instead of keeping Debian's package, as `build` does for an optional one
      const outcomes = await runBackports([requiringSuites(spec, flags.suite)], { progress, published: publishedSource(new LocalStorage(resolve(flags.out))), ...(flags.suite.length > 0 ? { only: flags.suite } : {}) });
      const config = await loadRepoConfig(PROJECT_ROOT);
      const { signer } = await resolveSigner({ root: PROJECT_ROOT, env: process.env, keyFiles: flags.key, now: new Date(), progress });
      const add = async (known: RepoContents): Promise<MergedContents> => {
        let merged: MergedContents = { ...known, additions: [] };
        for (const b of outcomes) {
          if (b.kind !== 'published') continue;
          const imported = await importPackages(b.files, merged, { config, inspect: debInspector, placement: { component: config.components[0] as string, suites: [b.suite] } });
          merged = { binaries: imported.binaries, sources: imported.sources, additions: [...merged.additions, ...imported.additions] };
        }
        return merged;
      };
      await updateRepository({
        storage: new LocalStorage(resolve(flags.out)),
        config,
        date: new Date(),
        signer,
        clock: systemClock,
        inspect: debInspector,
        compressor: new ChunkedIndexCompressor(new DiskChunkCache(defaultChunkCacheDir(process.env, homedir()))),
        add,
      });
      for (const b of outcomes) {
        process.stdout.write(b.kind === 'published' ? `${b.suite}: ${b.package} ${b.version}${b.cached ? ' (cached)' : ''}\n` : `${b.suite}: not published (${b.reason})\n`);
      }
    });
}
