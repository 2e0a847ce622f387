// half-repo build [--out DIR]: every package, signed, published into OUT; prints how to use it.
import type { Command } from 'commander';
import { buildRepository } from '../../build/build-repository.js';
import type { Compression } from '../../format/compression.js';
import { UsageError } from '../../model/errors.js';
import { createProgress } from '../progress.js';
import { PROJECT_ROOT } from '../root.js';

interface BuildFlags {
  out: string;
  key: string[];
  url?: string;
  compression: string;
  backports: boolean;
}

export function registerBuild(program: Command): void {
  program
    .command('build')
    .description('build every package of pkgs/ and publish the signed apt repository')
    .option('--out <dir>', 'repository directory', 'public')
    .option('--key <file>', 'private signing key (repeatable: every key signs); default HALF_SIGNING_KEY[_FILE], else a development key', collect, [])
    .option('--url <url>', 'public URL of the repository (half-repo.json "url")')
    .option('--compression <kind>', 'member compression of the .debs: xz, gzip or none', 'xz')
    .option('--no-backports', 'skip the backports of pkgs/backports.json (keepalived)')
    .action(async (flags: BuildFlags) => {
      if (!['xz', 'gzip', 'none'].includes(flags.compression)) {
        throw new UsageError(`--compression ${flags.compression} is not xz, gzip or none`, { hint: 'Debian uses xz (the default)' });
      }
      const progress = createProgress();
      const result = await buildRepository({
        root: PROJECT_ROOT,
        out: flags.out,
        keyFiles: flags.key,
        ...(flags.url !== undefined ? { url: flags.url } : {}),
        compression: flags.compression as Compression,
        backports: flags.backports,
        env: process.env,
        now: new Date(),
        progress,
      });
      const { update } = result;
      progress.info(`published ${update.plan.suites.length} suites, ${update.result.addedPool.length} new pool files`);
      for (const warning of update.result.warnings) progress.warn(warning);
      const out = process.stdout;
      out.write(`\nRepository keyring: ${result.keyring.gpg}\n                    ${result.keyring.asc}\n`);
      out.write(`Install it on a client as /usr/share/keyrings/half-archive-keyring.gpg, then add the line of\n`);
      out.write(`the client's release (VERSION_CODENAME in /etc/os-release) to /etc/apt/sources.list.d/half.list:\n\n`);
      out.write(result.sources.oneLine.replace(/^/gm, '  ') + '\n\n');
      out.write(`or, in /etc/apt/sources.list.d/half.sources (Suites: ${result.sources.codenames.join(' or ')}):\n\n`);
      out.write(result.sources.deb822.replace(/^/gm, '  ').trimEnd() + '\n\n');
      if (result.development) out.write('(signed with the DEVELOPMENT key: see the warning above)\n');
    });
}

function collect(value: string, previous: string[]): string[] {
  return [...previous, value];
}
