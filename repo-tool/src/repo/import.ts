// `half-repo import FILE.deb… FILE.dsc…`: adds packages built elsewhere (a backport, a patched
// kernel) after checking them: the .deb reader checks the format; here, that name, version and
// architecture agree with the file name and the configuration, that a .dsc's files match its
// checksums, and that no pool file would change. Every file is checked before anything is
// returned: one bad file refuses the whole import, and nothing has been written.
import { stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import { HalfRepoError, PackageFormatError, UsageError } from '../model/errors.js';
import { mapBudgeted } from '../model/map-budgeted.js';
import { getField } from '../model/paragraph.js';
import type { RepoConfig } from './config.js';
import type { DebInspector } from './deb-inspector.js';
import { parseDsc } from './dsc.js';
import { readRegularFile } from './read-regular.js';
import { mergeIntoRepository, placeDeb } from './pool-additions.js';
import type { MergedContents, PlacedDeb, Placement, RepoContents } from './pool-additions.js';
import { PACKAGE_NAME } from '../deb/package-name.js';
import { debFileName, sourceNameOf } from './pool-path.js';
import { checkSourcePackage } from './source-package.js';
import type { CheckedSource } from './source-package.js';
import { parseVersion } from '../deb/version.js';

/** Files checked at once: enough that their xz members share few xz runs (xz-decompress-batch.ts). */
const IMPORT_CONCURRENCY = 64;
/** Bytes of files being checked at once (a file larger than this is checked alone). */
const IMPORT_BYTES_IN_FLIGHT = 64 * 1024 * 1024;

export interface ImportOptions {
  readonly config: RepoConfig;
  readonly inspect: DebInspector;
  /** Component and suites (codenames); default: the first component, every suite. */
  readonly placement?: Placement;
  /** Reads a file named on the command line (default: the local filesystem). */
  readonly readFile?: (path: string) => Promise<Uint8Array>;
}

export interface ImportResult extends MergedContents {
  /** Pool paths of the imported .debs and .dsc files. */
  readonly imported: readonly string[];
}

async function checkDeb(path: string, bytes: Uint8Array, options: ImportOptions, placement: Placement): Promise<PlacedDeb> {
  const fileName = basename(path);
  const { control, paths } = await options.inspect(bytes, fileName);
  const name = getField(control, 'Package');
  const version = getField(control, 'Version');
  const arch = getField(control, 'Architecture');
  const fail = (what: string, hint: string): never => {
    throw new PackageFormatError(what, { hint });
  };
  if (name === undefined || version === undefined || arch === undefined) return fail('its control file lacks Package, Version or Architecture', 'rebuild the package');
  if (!PACKAGE_NAME.test(name)) fail(`package name "${name}" is not valid`, 'Policy §5.6.1: lowercase letters, digits, + - .');
  // the source name is a folder of the pool (pool-path.ts)
  const source = sourceNameOf(control);
  if (!PACKAGE_NAME.test(source)) fail(`source name "${source}" (its Source field) is not valid`, 'Policy §5.6.1: lowercase letters, digits, + - .; rebuild the package');
  const parsed = parseVersion(version);
  if (!parsed.ok) fail(`version "${version}": ${parsed.problem}`, 'rebuild the package with a valid version');
  if (arch !== 'all' && !options.config.architectures.includes(arch)) {
    fail(`architecture "${arch}" is not served by this repository (${options.config.architectures.join(', ')})`, 'add it to "architectures" in half-repo.json');
  }
  const expected = debFileName(name, version, arch);
  if (fileName !== expected) fail(`the file name says one thing and the control file another: it holds ${name} ${version} (${arch}), which Debian names ${expected}`, `rename it to ${expected}, or check that it is the package you meant`);
  return placeDeb({ fileName, bytes, control, paths }, placement);
}

async function checkSource(path: string, bytes: Uint8Array, read: (p: string) => Promise<Uint8Array>, placement: Placement): Promise<CheckedSource> {
  const dsc = parseDsc(new TextDecoder().decode(bytes), basename(path));
  const files = [];
  for (const listed of dsc.files) {
    const filePath = join(dirname(path), listed.name);
    let fileBytes: Uint8Array;
    try {
      fileBytes = await read(filePath);
    } catch (cause) {
      throw new PackageFormatError(`lists ${listed.name}, but ${filePath} cannot be read (${(cause as Error).message})`, { cause, hint: 'put every file the .dsc lists next to it' });
    }
    files.push({ name: listed.name, bytes: fileBytes });
  }
  return checkSourcePackage({ name: basename(path), bytes }, files, placement.component, placement.suites);
}

export async function importPackages(paths: readonly string[], known: RepoContents, options: ImportOptions): Promise<ImportResult> {
  const { config } = options;
  const placement = options.placement ?? { component: config.components[0] as string, suites: config.suites.map((s) => s.codename) };
  const read = options.readFile ?? readRegularFile;
  const problems: string[] = [];
  const codenames = config.suites.map((c) => c.codename);
  for (const s of placement.suites) {
    if (codenames.includes(s)) continue;
    const named = config.suites.find((c) => c.suite === s);
    throw new UsageError(`--suite ${s}: no configured suite has that codename (${codenames.join(', ')})`, {
      hint: named !== undefined ? `--suite takes codenames: write --suite ${named.codename} for ${s}` : 'give a codename from "suites" in half-repo.json',
    });
  }
  if (!config.components.includes(placement.component)) {
    throw new UsageError(`--component ${placement.component}: not a configured component (${config.components.join(', ')})`, { hint: 'give a component from "components" in half-repo.json' });
  }
  const debs: PlacedDeb[] = [];
  const sources: CheckedSource[] = [];
  // Files are checked concurrently (their xz members then share xz runs), as many as fit the
  // bounds above; results and problems keep the order the files were named in.
  type Checked = { deb?: PlacedDeb; source?: CheckedSource; problem?: string };
  const size = (path: string): Promise<number> => stat(path).then((s) => s.size, () => 0);
  const checked = await mapBudgeted(paths, IMPORT_CONCURRENCY, IMPORT_BYTES_IN_FLIGHT, size, async (path): Promise<Checked> => {
    try {
      const bytes = await read(path).catch((cause: unknown) => {
        if (cause instanceof HalfRepoError) throw cause;
        throw new PackageFormatError(`cannot be read (${(cause as Error).message})`, { cause, hint: 'check the path' });
      });
      if (path.endsWith('.deb')) return { deb: await checkDeb(path, bytes, options, placement) };
      if (path.endsWith('.dsc')) return { source: await checkSource(path, bytes, read, placement) };
      throw new PackageFormatError('is neither a .deb nor a .dsc', { hint: 'import binary packages (.deb) or source packages (.dsc with their files)' });
    } catch (error) {
      if (!(error instanceof HalfRepoError)) throw error;
      return { problem: `${path}: ${error.message}${error.hint !== undefined ? ` (${error.hint})` : ''}` };
    }
  });
  for (const result of checked) {
    if (result.deb !== undefined) debs.push(result.deb);
    else if (result.source !== undefined) sources.push(result.source);
    else if (result.problem !== undefined) problems.push(result.problem);
  }
  if (problems.length === 0) {
    try {
      const merged = mergeIntoRepository(known, debs, sources);
      return { ...merged, imported: [...debs.map((d) => d.entry.poolPath), ...sources.map((s) => s.entry.dscPoolPath)] };
    } catch (error) {
      if (!(error instanceof PackageFormatError)) throw error;
      problems.push(`${error.message}${error.hint !== undefined ? ` (${error.hint})` : ''}`);
    }
  }
  throw new PackageFormatError(`import refused, nothing was imported:\n  ${problems.join('\n  ')}`, {
    hint: 'fix or leave out the files named above and import again',
  });
}
