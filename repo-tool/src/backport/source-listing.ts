// What `apt-get source --print-uris --only-source PKG/SUITE` says about one source package in one
// suite (apt-get(8), "source"): a line `Selected version 'V' (SUITE) for PKG`, then one line per
// file, `'URI' NAME SIZE HASHTYPE:HEX`, the hash taken by apt from the suite's signed Sources
// index. Pure: text in, listing out; the caller runs apt.
import { ToolError } from '../model/errors.js';

export interface SourceFile {
  readonly name: string;
  readonly uri: string;
  readonly size: number;
  /** Lowercase hex SHA-256 (apt prints the strongest hash the Sources index has). */
  readonly sha256: string;
}

export interface SourceListing {
  readonly package: string;
  /** With its epoch, as apt selected it: `1:2.3.3-1`. */
  readonly version: string;
  /** The suite apt named (the one asked for). */
  readonly suite: string;
  /** The .dsc first, then the files it lists, in apt's order. */
  readonly files: readonly SourceFile[];
}

const SELECTED = /^Selected version '([^']+)' \(([^)]+)\) for (\S+)$/;
const FILE = /^'([^']+)' ([A-Za-z0-9][^/\s]*) (\d+) (\S+):([0-9a-fA-F]+)$/; // a bare file name, never a path
const NOT_FOUND = /^E: Unable to find a source package for /m; // also for PKG=VERSION when that version is gone

/** True when apt's error output says the package (or that version) is not in the sources. */
export function isSourceNotFound(stderr: string): boolean {
  return NOT_FOUND.test(stderr);
}

/** Parses print-uris output; throws ToolError naming what is missing (an apt format change). */
export function parseSourceListing(stdout: string, command: string): SourceListing {
  let selected: { version: string; suite: string; package: string } | undefined;
  const files: SourceFile[] = [];
  for (const line of stdout.split('\n')) {
    const sel = SELECTED.exec(line.trim());
    if (sel !== null) {
      selected = { version: sel[1] ?? '', suite: sel[2] ?? '', package: sel[3] ?? '' };
      continue;
    }
    if (!line.startsWith("'")) continue;
    const file = FILE.exec(line.trim());
    if (file === null) {
      throw new ToolError(`"${command}" printed a file line that is not "'URI' NAME SIZE HASH": ${line}`, {
        hint: 'check the mirror\'s Sources index for this package (file names must be plain names)',
      });
    }
    const [, uri = '', name = '', size = '0', hashType = '', hex = ''] = file;
    if (hashType.toUpperCase() !== 'SHA256') {
      throw new ToolError(`"${command}" lists ${name} with a ${hashType} hash only; a SHA256 is needed to trust it`, {
        hint: 'use a Debian mirror whose Sources indexes carry Checksums-Sha256 (every current Debian archive does)',
      });
    }
    files.push({ uri, name, size: Number(size), sha256: hex.toLowerCase() });
  }
  if (selected === undefined) {
    throw new ToolError(`"${command}" printed no "Selected version" line:\n${tail(stdout)}`, { hint: 'check that apt works: run the command by hand' });
  }
  const dsc = files.filter((f) => f.name.endsWith('.dsc'));
  if (dsc.length !== 1) {
    throw new ToolError(`"${command}" listed ${dsc.length} .dsc files for ${selected.package} ${selected.version} (expected one)`, {
      hint: 'check the mirror\'s Sources index for this package',
    });
  }
  return { ...selected, files: [...dsc, ...files.filter((f) => !f.name.endsWith('.dsc'))] };
}

export function tail(text: string, lines = 25): string {
  const all = text.trimEnd().split('\n');
  return (all.length > lines ? ['…', ...all.slice(-lines)] : all).join('\n');
}
