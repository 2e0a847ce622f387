// Debian version numbers: `[epoch:]upstream_version[-debian_revision]` (Debian Policy §5.6.12)
// and their ordering as dpkg implements it (deb-version(7); dpkg's lib/dpkg/version.c):
// epochs compare as integers, then the upstream versions, then the revisions, each by
// alternating runs of non-digits (letters sort before non-letters, '~' before everything, even
// the end of the string) and digits (numerically). A missing revision equals "0".

export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  /** "" when the version has no `-revision`. */
  readonly revision: string;
}

export type ParsedVersion = { readonly ok: true; readonly version: DebianVersion } | { readonly ok: false; readonly problem: string };

const UPSTREAM_CHARS = /^[A-Za-z0-9.+~:-]+$/;
const REVISION_CHARS = /^[A-Za-z0-9.+~]+$/;

/** Parses and checks a version; the problem text says what is wrong (for DefinitionError). */
export function parseVersion(text: string): ParsedVersion {
  const fail = (problem: string): ParsedVersion => ({ ok: false, problem });
  if (text === '') return fail('the version is empty');
  if (/\s/.test(text)) return fail(`"${text}" contains whitespace`);
  let rest = text;
  let epoch = 0;
  const colon = rest.indexOf(':');
  if (colon !== -1) {
    const epochText = rest.slice(0, colon);
    if (!/^[0-9]+$/.test(epochText)) return fail(`the epoch "${epochText}" of "${text}" is not a number`);
    epoch = Number(epochText);
    if (epoch > 2 ** 31 - 1) return fail(`the epoch of "${text}" is too large`);
    rest = rest.slice(colon + 1);
  }
  let revision = '';
  const dash = rest.lastIndexOf('-');
  if (dash !== -1) {
    revision = rest.slice(dash + 1);
    rest = rest.slice(0, dash);
    if (revision === '') return fail(`"${text}" ends with "-" but has no revision after it`);
    if (!REVISION_CHARS.test(revision)) return fail(`the revision "${revision}" of "${text}" may only contain letters, digits, "+", "." and "~"`);
  }
  if (rest === '') return fail(`"${text}" has no upstream version`);
  if (!/^[0-9]/.test(rest)) return fail(`the upstream version "${rest}" of "${text}" must start with a digit`);
  if (!UPSTREAM_CHARS.test(rest)) return fail(`the upstream version "${rest}" of "${text}" may only contain letters, digits, ".", "+", "~", "-" and ":"`);
  return { ok: true, version: { epoch, upstream: rest, revision } };
}

function isDigit(code: number): boolean {
  return code >= 0x30 && code <= 0x39;
}

/** dpkg's weight of one character in a non-digit run (0 = end of string). */
function order(code: number | undefined): number {
  if (code === undefined || isDigit(code)) return 0;
  if ((code >= 0x41 && code <= 0x5a) || (code >= 0x61 && code <= 0x7a)) return code;
  if (code === 0x7e) return -1;
  return code + 256;
}

/** Compares two upstream versions or two revisions; negative, 0 or positive. */
export function compareVersionPart(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = order(i < a.length ? a.charCodeAt(i) : undefined);
      const bc = order(j < b.length ? b.charCodeAt(j) : undefined);
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (a.charCodeAt(i) === 0x30) i++;
    while (b.charCodeAt(j) === 0x30) j++;
    let firstDiff = 0;
    while (i < a.length && j < b.length && isDigit(a.charCodeAt(i)) && isDigit(b.charCodeAt(j))) {
      if (firstDiff === 0) firstDiff = a.charCodeAt(i) - b.charCodeAt(j);
      i++;
      j++;
    }
    if (i < a.length && isDigit(a.charCodeAt(i))) return 1;
    if (j < b.length && isDigit(b.charCodeAt(j))) return -1;
    if (firstDiff !== 0) return firstDiff;
  }
  return 0;
}

export function compareParsedVersions(a: DebianVersion, b: DebianVersion): number {
  if (a.epoch !== b.epoch) return a.epoch - b.epoch;
  return compareVersionPart(a.upstream, b.upstream) || compareVersionPart(a.revision, b.revision);
}

/** `dpkg --compare-versions a lt|eq|gt b` as a number's sign. Throws RangeError on an invalid version. */
export function compareVersions(a: string, b: string): number {
  const pa = parseVersion(a);
  const pb = parseVersion(b);
  if (!pa.ok) throw new RangeError(pa.problem);
  if (!pb.ok) throw new RangeError(pb.problem);
  return compareParsedVersions(pa.version, pb.version);
}

/** The version as it appears in a .deb file name: without the epoch (Policy §5.6.12). */
export function versionWithoutEpoch(text: string): string {
  const colon = text.indexOf(':');
  return colon === -1 ? text : text.slice(colon + 1);
}
