// Test helper (not a test): bundles an entry point the way the half-syncd package does (esbuild,
// one ESM file for Node 18, nothing external but the `netlink` binding), into `outdir`.
import { chmod } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { build } from 'esbuild';

export async function bundle(entry: string, outdir: string, version = '0.1.0-test'): Promise<string> {
  const outfile = join(outdir, `${basename(entry, '.ts')}.mjs`);
  await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    platform: 'node',
    target: 'node18',
    format: 'esm',
    external: ['netlink'],
    define: { __HALF_VERSION__: JSON.stringify(version) },
    logLevel: 'silent',
  });
  await chmod(outfile, 0o755);
  return outfile;
}
