// Bundles half-syncd's programs with esbuild, one self-contained ES module per program, for
// Debian's nodejs: target node18 (Debian 12 ships 18.19, Debian 13 ships 20.19), installed in
// /usr/lib/half/ next to a package.json that makes .js files ES modules. The `netlink` binding's
// JavaScript is bundled; its prebuilt .node file cannot be, so node-gyp-build is replaced by
// debian/half-syncd/netlink-loader.cjs, which finds the binding in /usr/lib/half/netlink/.
// Deterministic: the same sources give the same bytes (no paths outside the checkout, no time).
//
//   import { bundleDaemon } from '../scripts/bundle-daemon.js';
//   const bundle = bundleDaemon({ root });          // Map: 'half.js' → bytes, …
//   npx tsx scripts/bundle-daemon.ts OUTDIR          // writes the bundles for a manual run
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { buildSync, type Metafile } from 'esbuild';
import { DefinitionError } from '../repo-tool/src/model/errors.js';

export interface DaemonProgram {
  /** File name in /usr/lib/half/. */
  readonly output: string;
  /** Entry module, relative to the repository root. */
  readonly source: string;
  /** The command that runs it, if admins or keepalived call it directly. */
  readonly command?: string;
  /** Options for node ahead of the program, in its command. */
  readonly nodeOptions?: readonly string[];
}

/**
 * half-syncd runs with one V8 helper thread instead of Node's four: its heap is small (the flow
 * cache lives outside it), and on a two-core firewall the helpers' bursts of compiling and
 * marking only took the cores from the daemon's peer work and the kernel's. Measured in A/B
 * pairs (docs/benchmarks.md, "V8 helper threads"): bulk replication a little faster at equal or
 * lower CPU, the latency's tail and commits unchanged or a little better.
 */
export const SYNCD_NODE_OPTIONS: readonly string[] = ['--v8-pool-size=1'];

export const DAEMON_PROGRAMS: readonly DaemonProgram[] = [
  { output: 'half-syncd.js', source: 'daemon/src/main.ts', command: '/usr/sbin/half-syncd', nodeOptions: SYNCD_NODE_OPTIONS },
  { output: 'half.js', source: 'daemon/src/cli/half-main.ts', command: '/usr/sbin/half' },
  { output: 'half-notify.js', source: 'daemon/src/cli/half-notify-main.ts', command: '/usr/sbin/half-notify' },
  // Started by half-syncd from its own folder (kernel/datagram-source.ts, defaultPumpCommand).
  { output: 'event-pump-main.js', source: 'daemon/src/kernel/event-pump-main.ts' },
  // A worker thread of half-syncd, started from its folder (kernel/socket-keeper.ts).
  { output: 'event-socket-keeper-main.js', source: 'daemon/src/kernel/event-socket-keeper-main.ts' },
  // What half-syncd's maintainer scripts run (configure/main.ts).
  { output: 'half-configure.js', source: 'daemon/src/configure/main.ts' },
];

export const LIB_DIR = '/usr/lib/half';
export const NODE_TARGET = 'node18.19';
export const NETLINK_LOADER = 'debian/half-syncd/netlink-loader.cjs';

/** Makes `require` and the bundle's folder available to the CommonJS code inside the module. */
const BANNER = [
  "import { createRequire as __half_createRequire } from 'node:module';",
  "import { dirname as __half_dirname } from 'node:path';",
  "import { fileURLToPath as __half_fileURLToPath } from 'node:url';",
  'const require = __half_createRequire(import.meta.url);',
  'const __half_bundle_dir = __half_dirname(__half_fileURLToPath(import.meta.url));',
].join('\n');

export interface BundleOptions {
  /** Repository root. */
  readonly root: string;
  readonly programs?: readonly DaemonProgram[];
  /** The release the programs report (`half --version`, daemon/src/cli/version.ts); without it
   *  they say "dev", as when run from the source tree. */
  readonly version?: string;
}

export interface DaemonBundle {
  /** Output file name → bytes. */
  readonly files: ReadonlyMap<string, Uint8Array>;
  /** The npm packages bundled in, with their licenses (for the copyright file). */
  readonly packages: readonly BundledPackage[];
}

export interface BundledPackage {
  readonly name: string;
  readonly version: string;
  readonly license: string;
  /** Repository-relative folder, e.g. node_modules/netlink. */
  readonly dir: string;
}

function bundledPackages(root: string, metafile: Metafile): BundledPackage[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*?node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m !== null) dirs.add(m[1] as string);
  }
  return [...dirs].sort().map((dir) => {
    const pkg = JSON.parse(readFileSync(join(root, dir, 'package.json'), 'utf8')) as { name: string; version: string; license?: string };
    return { name: pkg.name, version: pkg.version, license: pkg.license ?? 'see the package', dir };
  });
}

/** An entry's `#!/usr/bin/env node` line is dropped: /usr/sbin wrappers run the bundles with /usr/bin/node. */
function withoutHashbang(bytes: Uint8Array): Uint8Array {
  if (bytes[0] !== 0x23 || bytes[1] !== 0x21) return bytes;
  const newline = bytes.indexOf(0x0a);
  return newline < 0 ? new Uint8Array() : bytes.subarray(newline + 1);
}

/** Bundles every program; throws DefinitionError naming a missing entry or esbuild's errors. */
export function bundleDaemon(options: BundleOptions): DaemonBundle {
  const root = resolve(options.root);
  const programs = options.programs ?? DAEMON_PROGRAMS;
  const missing = programs.filter((p) => !existsSync(join(root, p.source)));
  if (missing.length > 0) {
    throw new DefinitionError(`half-syncd: cannot bundle ${missing.map((p) => `${p.output} (${p.source} does not exist)`).join(', ')}`, {
      hint: 'the package needs every program of scripts/bundle-daemon.ts DAEMON_PROGRAMS; write the entry module or fix its path there',
    });
  }
  let result;
  try {
    result = buildSync({
      absWorkingDir: root,
      entryPoints: Object.fromEntries(programs.map((p) => [p.output.replace(/\.js$/, ''), p.source])),
      outdir: 'out',
      bundle: true,
      platform: 'node',
      format: 'esm',
      target: NODE_TARGET,
      banner: { js: BANNER },
      alias: { 'node-gyp-build': `./${NETLINK_LOADER}` },
      // CommonJS code inside the bundle (netlink's raw.js) still says __dirname: the bundle's folder.
      define: { __dirname: '__half_bundle_dir', ...(options.version === undefined ? {} : { __HALF_VERSION__: JSON.stringify(options.version) }) },
      write: false,
      metafile: true,
      legalComments: 'none',
      logLevel: 'silent',
    });
  } catch (error) {
    throw new DefinitionError(`half-syncd: esbuild could not bundle the daemon: ${(error as Error).message}`, { hint: 'fix the TypeScript error named above', cause: error });
  }
  const files = new Map<string, Uint8Array>();
  for (const file of result.outputFiles) files.set(file.path.slice(join(root, 'out').length + 1), withoutHashbang(file.contents));
  return { files, packages: bundledPackages(root, result.metafile) };
}

/** The netlink prebuild for a Debian architecture, as node-gyp-build names it. */
export const PREBUILD_ARCH: Readonly<Record<string, string>> = { amd64: 'linux-x64', arm64: 'linux-arm64' };

export function netlinkPrebuild(root: string, architecture: string): { installPath: string; source: string } {
  const tuple = PREBUILD_ARCH[architecture];
  if (tuple === undefined) throw new DefinitionError(`half-syncd: no netlink prebuild is known for ${architecture}`, { hint: `build half-syncd for ${Object.keys(PREBUILD_ARCH).join(' or ')}` });
  const relative = `prebuilds/${tuple}/node.napi.node`;
  return { installPath: `${LIB_DIR}/netlink/${relative}`, source: join(root, 'node_modules/netlink', relative) };
}

if (process.argv[1] !== undefined && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  const out = process.argv[2];
  if (out === undefined) {
    process.stderr.write('usage: npx tsx scripts/bundle-daemon.ts OUTDIR\n');
    process.exit(2);
  }
  const root = resolve(fileURLToPath(import.meta.url), '../..');
  const bundle = bundleDaemon({ root });
  mkdirSync(out, { recursive: true });
  for (const [name, bytes] of bundle.files) writeFileSync(join(out, name), bytes);
  writeFileSync(join(out, 'package.json'), '{"type":"module"}\n');
  process.stderr.write(`wrote ${[...bundle.files.keys()].join(', ')} to ${out}\n`);
}
