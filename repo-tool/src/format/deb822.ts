// deb822(5) paragraphs: the text format of control files, Packages, Sources and Release.
// Pure: text in, paragraphs out, and back. We parse ourselves because `debian-control` trims
// continuation lines (losing Description's verbatim indentation), merges paragraphs when it
// strips a signature, and matches field names case-sensitively (see
// test/repo-tool/format/deb822.test.ts for each case on real Debian input).
import { PackageFormatError } from '../model/errors.js';
import type { Field, Paragraph } from '../model/paragraph.js';

const FIELD_NAME = /^[!-9;-~][!-9;-~]*$/; // deb822(5): US-ASCII without control chars, space and ':'; not starting with '#' or '-'

export class Deb822Error extends PackageFormatError {}

export interface ParseOptions {
  /** Name of what is being parsed, for error messages (a path or `control of foo.deb`). */
  readonly source: string;
  /** Allow `#` comment lines (debian/control); default false. */
  readonly comments?: boolean;
  /**
   * Keep a first line's text exactly as written after "Name: " (trailing whitespace, extra
   * leading spaces), so that formatParagraph gives back the same bytes (real status and
   * Packages files have `Description: synopsis ` lines). Default false: values are trimmed.
   */
  readonly verbatim?: boolean;
}

/** Parses every paragraph. Throws Deb822Error naming the source and line on malformed input. */
export function parseDeb822(text: string, options: ParseOptions): Paragraph[] {
  const paragraphs: Paragraph[] = [];
  let fields: Field[] = [];
  let seen = new Set<string>();
  let name: string | undefined;
  let value = '';
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  const fail = (lineNo: number, what: string, fix: string): never => {
    throw new Deb822Error(`${options.source}, line ${lineNo}: ${what}`, { hint: fix });
  };
  const flushField = (): void => {
    if (name !== undefined) fields.push([name, value]);
    name = undefined;
    value = '';
  };
  const flushParagraph = (): void => {
    flushField();
    if (fields.length > 0) paragraphs.push(fields);
    fields = [];
    seen = new Set();
  };
  for (let i = 0; i < lines.length; i++) {
    let line = lines[i] as string;
    if (line.endsWith('\r')) line = line.slice(0, -1);
    const lineNo = i + 1;
    if (/^[ \t]*$/.test(line)) {
      flushParagraph();
      continue;
    }
    if (options.comments === true && line.startsWith('#')) continue;
    if (line[0] === ' ' || line[0] === '\t') {
      if (name === undefined) fail(lineNo, 'continuation line outside a field', 'indent only lines that continue a field');
      value += '\n' + line;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) fail(lineNo, `"${line.slice(0, 40)}" is not a "Field: value" line`, 'each line must be "Name: value" or a continuation starting with a space');
    const fieldName = line.slice(0, colon);
    if (!FIELD_NAME.test(fieldName) || fieldName.startsWith('#') || fieldName.startsWith('-')) {
      fail(lineNo, `invalid field name "${fieldName}"`, 'field names are printable US-ASCII without spaces or colons');
    }
    const lower = fieldName.toLowerCase();
    if (seen.has(lower)) fail(lineNo, `field "${fieldName}" appears twice in one paragraph`, 'keep one of them');
    seen.add(lower);
    flushField();
    name = fieldName;
    const rest = line.slice(colon + 1);
    value = options.verbatim === true ? rest.replace(/^ /, '') : rest.replace(/^[ \t]+/, '').replace(/[ \t]+$/, '');
  }
  flushParagraph();
  return paragraphs;
}

/** Parses text that must hold exactly one paragraph (a control file). */
export function parseSingleParagraph(text: string, options: ParseOptions): Paragraph {
  const paragraphs = parseDeb822(text, options);
  if (paragraphs.length !== 1) {
    throw new Deb822Error(`${options.source}: expected one paragraph, found ${paragraphs.length}`, {
      hint: 'a control file holds a single paragraph with no blank lines',
    });
  }
  return paragraphs[0] as Paragraph;
}

/** Writes one paragraph, each line ending in "\n" (no blank line after it). */
export function formatParagraph(paragraph: Paragraph): string {
  let out = '';
  for (const [name, value] of paragraph) {
    out += value.startsWith('\n') ? `${name}:${value}\n` : `${name}: ${value}\n`;
  }
  return out;
}

/** Writes paragraphs separated by one blank line, as Packages and Sources files are. */
export function formatParagraphs(paragraphs: readonly Paragraph[]): string {
  return paragraphs.map(formatParagraph).join('\n');
}
