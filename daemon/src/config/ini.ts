// The syntax of half.conf (documented in docs/half.conf.5.md): `[section]` headers, `key = value`
// lines, `#` or `;` comment lines, blank lines. A ` #` (or ` ;`) after a value or a header starts
// a comment too, so `peers = 203.0.113.2  # halftwo` works. Chosen so that a postinst can write it with printf and
// read one key back with sed or awk. Pure: text in, entries (with line numbers) and syntax
// problems out; meaning is checked by validate-*.ts.
import type { ProblemList } from './config-error.js';

export interface IniEntry {
  /** The key in lower case: keys are case-insensitive. */
  readonly key: string;
  /** The key as written (under [vips] it names an interface, and interface names keep their case). */
  readonly name: string;
  readonly value: string;
  readonly line: number;
}

export interface IniSection {
  readonly name: string;
  readonly line: number;
  readonly entries: readonly IniEntry[];
}

// Space is ASCII space, tab, CR, VT and FF only: what awk's [[:space:]] matches byte by byte, so
// that the shell reader of half.conf(5) reads what this parser reads. JavaScript's \s and trim()
// would also take a no-break space or a byte order mark for space.
const SECTION = /^\[[ \t\r\v\f]*([A-Za-z0-9_.-]+)[ \t\r\v\f]*\]$/;
// the value may hold any character, line separators (U+2028, a lone CR) in a comment included
const ENTRY = /^([^ \t\r\v\f=#;[\]]+)[ \t\r\v\f]*=[ \t\r\v\f]*(.*)$/s;
/** Any other space character of Unicode, the byte order mark included. */
const OTHER_SPACE = /[^\S \t\r\v\f]/u;
const BOM = '\uFEFF';

const isSpace = (code: number): boolean => code === 0x20 || (code >= 0x09 && code <= 0x0d && code !== 0x0a);

/**
 * Strips ASCII space (as SECTION and ENTRY count it) from both ends. Index loops, not a regex:
 * `[ \t]+$` is tried at every run of spaces inside a line, quadratic in a line of many spaces.
 */
function trimSpace(text: string): string {
  let start = 0;
  let end = text.length;
  while (start < end && isSpace(text.charCodeAt(start))) start++;
  while (end > start && isSpace(text.charCodeAt(end - 1))) end--;
  return text.slice(start, end);
}

function stripComment(value: string): string {
  const match = /[ \t\r\v\f][#;]/.exec(value);
  return trimSpace(match === null ? value : value.slice(0, match.index));
}

/** The section a header line opens (`[sync]  # comment` → `sync`), or undefined for any other line. */
export function sectionHeader(line: string): string | undefined {
  const trimmed = trimSpace(line);
  const header = SECTION.exec(trimmed.startsWith('[') ? stripComment(trimmed) : trimmed);
  return header === null ? undefined : (header[1] as string).toLowerCase();
}

function spaceName(char: string): string {
  const code = `U+${(char.codePointAt(0) as number).toString(16).toUpperCase().padStart(4, '0')}`;
  if (char === '\u00A0' || char === '\u202F') return `a no-break space (${code})`;
  if (char === BOM) return `a byte order mark (${code}) after the start of the file`;
  return `the space character ${code}`;
}

/**
 * Splits the text into sections. Entries before the first header, malformed lines, repeated
 * sections and repeated keys are reported to `problems` (and left out); parsing goes on so that
 * every problem is found in one pass.
 */
export function parseIni(text: string, problems: ProblemList): IniSection[] {
  const sections: { name: string; line: number; entries: IniEntry[]; keys: Map<string, number> }[] = [];
  const seen = new Map<string, number>();
  let current: (typeof sections)[number] | undefined;
  let skipping = false;
  const lines = (text.startsWith(BOM) ? text.slice(BOM.length) : text).split('\n');
  for (let i = 0; i < lines.length; i++) {
    const lineNo = i + 1;
    const line = trimSpace(lines[i] as string);
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const other = OTHER_SPACE.exec(stripComment(line));
    if (other !== null) {
      problems.add({
        line: lineNo,
        message: `has ${spaceName(other[0])} outside a comment, which shell readers of half.conf do not take for a space`,
        fix: 'replace it with an ordinary space, or delete it',
      });
      if (line.startsWith('[')) {
        // a header not read: its keys are left out, not taken for the previous section's
        current = undefined;
        skipping = true;
      }
      continue;
    }
    const header = sectionHeader(line);
    if (header !== undefined) {
      const first = seen.get(header);
      if (first !== undefined) {
        problems.add({ line: lineNo, key: `[${header}]`, message: `section [${header}] appears again (first on line ${first})`, fix: `merge the two [${header}] sections into one` });
        current = undefined;
        skipping = true;
        continue;
      }
      seen.set(header, lineNo);
      current = { name: header, line: lineNo, entries: [], keys: new Map() };
      sections.push(current);
      skipping = false;
      continue;
    }
    if (line.startsWith('[')) {
      // A header not read: the lines below it are not the previous section's, where they would
      // draw misleading problems ("is not a known key") or be taken for its keys.
      problems.add({
        line: lineNo,
        message: `"${line.slice(0, 60)}" is not a section header: a header is [name] alone on its line`,
        fix: 'write the header as [name], e.g. [sync]; anything after it goes in a comment (  # ...)',
      });
      current = undefined;
      skipping = true;
      continue;
    }
    const entry = ENTRY.exec(line);
    if (entry === null) {
      problems.add({
        line: lineNo,
        message: `"${line.slice(0, 60)}" is neither "[section]" nor "key = value"`,
        fix: 'write "key = value", a "[section]" header, or start the line with # to make it a comment',
      });
      continue;
    }
    if (skipping) continue;
    const name = entry[1] as string;
    const key = name.toLowerCase();
    if (current === undefined) {
      problems.add({ line: lineNo, key, message: `"${key}" comes before any [section]`, fix: 'put it under its section header, e.g. [node]' });
      continue;
    }
    // keys are case-insensitive, except under [vips], where they name interfaces (eth0 and ETH0 are two)
    const identity = current.name === 'vips' ? name : key;
    const firstLine = current.keys.get(identity);
    if (firstLine !== undefined) {
      problems.add({
        line: lineNo,
        key: `${current.name}.${identity}`,
        message: `set twice (first on line ${firstLine})`,
        fix: 'keep one line; lists go on one line, separated by spaces',
      });
      continue;
    }
    current.keys.set(identity, lineNo);
    current.entries.push({ key, name, value: stripComment(' ' + (entry[2] as string)), line: lineNo });
  }
  return sections.map(({ name, line, entries }) => ({ name, line, entries }));
}
