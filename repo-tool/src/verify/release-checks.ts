// The Release file's own checks, as apt makes them (DebianRepository/Format; apt's
// metaIndex/debReleaseIndex): Suite or Codename must name the dists/ directory, Date must be
// UTC and not in the future, Valid-Until not passed, a SHA256 (or SHA512) list present, and a
// binary-<arch>/Packages listed for every component and architecture it announces.
import { parseDeb822 } from '../format/deb822.js';
import type { Paragraph } from '../model/paragraph.js';
import { getField } from '../model/paragraph.js';
import type { Problem } from './problem.js';
import { problem } from './problem.js';

export const HASH_FIELDS = ['MD5Sum', 'SHA1', 'SHA256', 'SHA512'] as const;
export type HashField = (typeof HASH_FIELDS)[number];

export interface ListedFile {
  readonly size: number;
  readonly hashes: ReadonlyMap<HashField, string>;
}

export interface ParsedRelease {
  readonly fields: Paragraph;
  /** Path relative to dists/<name>/ → size and hashes. */
  readonly entries: ReadonlyMap<string, ListedFile>;
}

/** apt accepts a Date at most this far ahead of the clock. */
const FUTURE_TOLERANCE_MS = 10_000;

export function parseRelease(text: string, path: string, problems: Problem[]): ParsedRelease | undefined {
  let fields: Paragraph;
  try {
    const paragraphs = parseDeb822(text, { source: path });
    if (paragraphs.length !== 1) {
      problems.push(problem(path, `holds ${paragraphs.length} paragraphs, not one`));
      return undefined;
    }
    fields = paragraphs[0] as Paragraph;
  } catch (error) {
    problems.push(problem(path, (error as Error).message));
    return undefined;
  }
  const entries = new Map<string, { size: number; hashes: Map<HashField, string> }>();
  for (const field of HASH_FIELDS) {
    for (const line of (getField(fields, field) ?? '').split('\n')) {
      if (line.trim() === '') continue;
      const [hash, size, name, extra] = line.trim().split(/\s+/);
      if (hash === undefined || size === undefined || name === undefined || extra !== undefined || !/^[0-9]+$/.test(size)) {
        problems.push(problem(path, `${field}: "${line.trim()}" is not "hash size path"`));
        continue;
      }
      const entry = entries.get(name) ?? { size: Number(size), hashes: new Map<HashField, string>() };
      if (entry.size !== Number(size)) problems.push(problem(path, `${name} has size ${size} in ${field} but ${entry.size} elsewhere`));
      entry.hashes.set(field, hash);
      entries.set(name, entry);
    }
  }
  return { fields, entries };
}

function parseDate(value: string | undefined): Date | undefined {
  if (value === undefined) return undefined;
  const ms = Date.parse(value);
  return Number.isNaN(ms) ? undefined : new Date(ms);
}

export function checkReleaseFields(release: ParsedRelease, name: string, path: string, now: Date): Problem[] {
  const problems: Problem[] = [];
  const f = (n: string) => getField(release.fields, n);
  if (f('Suite') !== name && f('Codename') !== name) {
    problems.push(problem(path, `neither Suite (${f('Suite') ?? 'missing'}) nor Codename (${f('Codename') ?? 'missing'}) is "${name}", the directory apt asks for`));
  }
  const dateText = f('Date');
  const date = parseDate(dateText);
  if (date === undefined) problems.push(problem(path, `Date is ${dateText === undefined ? 'missing' : `"${dateText}", not a date`}`));
  else {
    if (!/(UTC|GMT|\+0000|Z)$/.test(dateText ?? '')) problems.push(problem(path, `Date "${dateText}" is not in UTC`));
    if (date.getTime() > now.getTime() + FUTURE_TOLERANCE_MS) problems.push(problem(path, `Date ${dateText} is in the future (apt: "not valid yet")`));
  }
  const validUntilText = f('Valid-Until');
  if (validUntilText !== undefined) {
    const validUntil = parseDate(validUntilText);
    if (validUntil === undefined) problems.push(problem(path, `Valid-Until "${validUntilText}" is not a date`));
    else if (validUntil.getTime() < now.getTime()) problems.push(problem(path, `expired: Valid-Until ${validUntilText} has passed (publish again)`));
  }
  const strong = [...release.entries.values()].some((e) => e.hashes.has('SHA256') || e.hashes.has('SHA512'));
  if (!strong) problems.push(problem(path, 'lists no SHA256 or SHA512 hashes (apt refuses MD5Sum/SHA1 alone)'));
  const components = (f('Components') ?? '').split(/\s+/).filter((c) => c !== '');
  const architectures = (f('Architectures') ?? '').split(/\s+/).filter((a) => a !== '');
  if (components.length === 0) problems.push(problem(path, 'Components is missing'));
  if (architectures.length === 0) problems.push(problem(path, 'Architectures is missing'));
  for (const component of components) {
    for (const arch of architectures) {
      const index = `${component}/binary-${arch}/Packages`;
      if (!release.entries.has(index)) problems.push(problem(path, `announces ${component} for ${arch} but does not list ${index} (apt warns and skips it)`));
    }
  }
  return problems;
}
