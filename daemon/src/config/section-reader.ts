// Typed reads of one half.conf section. Each read checks its value and records a problem naming
// `section.key`, the line and the fix instead of throwing, so validation reports everything at
// once; keys nobody read are reported as unknown (with the nearest known key as a suggestion).
import type { ProblemList } from './config-error.js';
import type { IniEntry, IniSection } from './ini.js';
import { nearest } from '../../../repo-tool/src/model/nearest.js';
import { parseIpPrefix, readIpAddress, type IpAddress, type IpPrefix } from './ip-address.js';

export { nearest };

const TRUE_WORDS = new Set(['yes', 'true', 'on', '1']);
const FALSE_WORDS = new Set(['no', 'false', 'off', '0']);

/** Splits a list value on spaces and commas. */
export function splitList(value: string): string[] {
  return value.split(/[\s,]+/).filter((item) => item !== '');
}

export class SectionReader {
  private readonly used = new Set<string>();
  constructor(
    readonly name: string,
    private readonly section: IniSection | undefined,
    readonly problems: ProblemList,
  ) {}

  /** The raw entry, marking it as known. */
  entry(key: string): IniEntry | undefined {
    this.used.add(key);
    return this.section?.entries.find((e) => e.key === key);
  }

  /**
   * Records a problem about `key` (on its line when it is present). `key` is the lower-case key,
   * or a [vips] interface as written, which only its own line matches (eth0 and ETH0 are two).
   */
  fail(key: string, message: string, fix: string): void {
    const entries = this.section?.entries ?? [];
    const entry = entries.find((e) => e.name === key) ?? entries.find((e) => e.key === key);
    const at = entry?.line ?? this.section?.line;
    // named as written ([vips] names interfaces, whose case matters)
    this.problems.add({ ...(at === undefined ? {} : { line: at }), key: `${this.name}.${entry?.name ?? key}`, message, fix });
  }

  /** A required key's raw value, or undefined after recording that it is missing. */
  required(key: string, fix: string): string | undefined {
    const entry = this.entry(key);
    if (entry !== undefined && entry.value !== '') return entry.value;
    this.fail(key, entry === undefined ? 'is missing' : 'is empty', fix);
    return undefined;
  }

  int(key: string, min: number, max: number, fallback: number | undefined, fix: string): number | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return fallback;
    if (!/^[0-9]+$/.test(entry.value) || Number(entry.value) < min || Number(entry.value) > max) {
      this.fail(key, `"${entry.value}" is not a whole number from ${min} to ${max}`, fix);
      return undefined;
    }
    return Number(entry.value);
  }

  /** Decimal seconds with at most `decimals` digits after the point. */
  seconds(key: string, min: number, max: number, decimals: number, fallback: number, fix: string): number | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return fallback;
    const text = entry.value.replace(/s$/, '');
    const pattern = decimals === 0 ? /^[0-9]+$/ : new RegExp(`^[0-9]+(\\.[0-9]{1,${decimals}})?$`);
    if (!pattern.test(text) || Number(text) < min || Number(text) > max) {
      this.fail(key, `"${entry.value}" is not a number of seconds from ${min} to ${max}${decimals > 0 ? ` (${decimals} decimals at most)` : ''}`, fix);
      return undefined;
    }
    return Number(text);
  }

  bool(key: string, fallback: boolean): boolean | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return fallback;
    const word = entry.value.toLowerCase();
    if (TRUE_WORDS.has(word)) return true;
    if (FALSE_WORDS.has(word)) return false;
    this.fail(key, `"${entry.value}" is not yes or no`, `write ${key} = yes or ${key} = no`);
    return undefined;
  }

  choice<T extends string>(key: string, choices: readonly T[], fallback: T): T | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return fallback;
    const word = entry.value.toLowerCase();
    if ((choices as readonly string[]).includes(word)) return word as T;
    const guess = nearest(word, choices);
    this.fail(key, `"${entry.value}" is not one of ${choices.join(', ')}`, guess === undefined ? `write one of: ${choices.join(', ')}` : `did you mean ${key} = ${guess}?`);
    return undefined;
  }

  path(key: string, fallback: string): string | undefined {
    const entry = this.entry(key);
    if (entry === undefined) return fallback;
    if (!entry.value.startsWith('/') || /[\s"'\\]/.test(entry.value)) {
      this.fail(key, `"${entry.value}" is not an absolute path without spaces or quotes`, `write a full path such as ${fallback}`);
      return undefined;
    }
    // Paths end up in shell commands (the key file's fix, maintainer scripts, an admin's paste)
    // and in logs: no control character (NUL included) and no character sh reads as syntax
    // inside a word (`#` and `~` only start a comment or a home at a word's start; the path
    // starts with `/`).
    const odd = /[\u0000-\u001f\u007f-\u009f]|[;&|$`<>()*?[\]{}]/u.exec(entry.value);
    if (odd !== null) {
      const what = odd[0] < ' ' || odd[0] >= '\u007f' ? `the control character \\x${odd[0].charCodeAt(0).toString(16).padStart(2, '0')}` : `"${odd[0]}", which sh reads as syntax`;
      this.fail(key, `"${entry.value}" has ${what}`, `write a plain path (letters, digits and _ . / + - @ : , = %) such as ${fallback}`);
      return undefined;
    }
    // nor an invisible one (Unicode's format characters: a zero-width space, a right-to-left
    // override), which makes the path in messages and logs look like another file's
    const invisible = /\p{Cf}/u.exec(entry.value);
    if (invisible !== null) {
      const code = (invisible[0].codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0');
      this.fail(key, `"${entry.value}" has the invisible character U+${code}`, `write a plain path (letters, digits and _ . / + - @ : , = %) such as ${fallback}`);
      return undefined;
    }
    // `..` would lead `half configure --root IMAGE` out of the image (and `.` and `//` hide a path
    // that another key names too)
    if (entry.value.split('/').slice(1).some((part) => part === '..' || part === '.' || part === '')) {
      this.fail(key, `"${entry.value}" has an empty, "." or ".." part`, `write the path plainly, such as ${fallback}`);
      return undefined;
    }
    return entry.value;
  }

  /**
   * A path keepalived.conf names (keepalived-conf.ts): keepalived reads `#` and `!` as the start
   * of a comment even inside a word, and braces as blocks, so only plain path characters pass.
   */
  keepalivedPath(key: string, fallback: string): string | undefined {
    const path = this.path(key, fallback);
    if (path === undefined || /^\/[A-Za-z0-9_.\/+@:-]*$/.test(path)) return path;
    this.fail(key, `"${path}" has a character keepalived.conf would misread (only letters, digits and _ . / + - @ : pass)`, `write a full path such as ${fallback}`);
    return undefined;
  }

  address(key: string, value: string, fix: string): IpAddress | undefined {
    const read = readIpAddress(value);
    if (read.ok) return read.address;
    this.fail(key, read.reason, fix);
    return undefined;
  }

  prefixes(key: string, value: string, requireLength: boolean, fix: string): IpPrefix[] | undefined {
    const prefixes: IpPrefix[] = [];
    let ok = true;
    for (const item of splitList(value)) {
      const result = parseIpPrefix(item, { requireLength });
      if (result.ok) prefixes.push(result.prefix);
      else {
        this.fail(key, result.reason, fix);
        ok = false;
      }
    }
    return ok ? prefixes : undefined;
  }

  /** Reports every key of the section that no read asked for. */
  reportUnknown(): void {
    const known = [...this.used];
    for (const entry of this.section?.entries ?? []) {
      if (this.used.has(entry.key)) continue;
      const guess = nearest(entry.key, known);
      this.problems.add({
        line: entry.line,
        key: `${this.name}.${entry.key}`,
        message: 'is not a known key',
        fix: guess === undefined ? `remove it; [${this.name}] knows: ${known.join(', ')}` : `did you mean ${guess}?`,
      });
    }
  }
}
