// Debian version numbers: syntax and ordering.
// Spec: deb-version(5) and Debian Policy §5.6.12 (`[epoch:]upstream_version[-debian_revision]`);
// the ordering is dpkg's: compare epochs numerically, then upstream and revision by alternating
// non-digit runs (letters sort before non-letters, `~` before everything, even the end) and
// digit runs compared numerically.

export interface DebianVersion {
  readonly epoch: number;
  readonly upstream: string;
  /** Empty when the version has no `-revision`. */
  readonly revision: string;
}

const UPSTREAM = /^[0-9][A-Za-z0-9.+~:-]*$/;
const REVISION = /^[A-Za-z0-9.+~]+$/;

/** Parses a version, or returns a sentence saying what is wrong with it. */
export function parseVersion(text: string): DebianVersion | string {
  if (text.length === 0) return 'the version is empty';
  if (/\s/.test(text)) return `version "${text}" contains whitespace`;
  let epoch = 0;
  let rest = text;
  const colon = text.indexOf(':');
  if (colon >= 0) {
    const e = text.slice(0, colon);
    if (!/^[0-9]+$/.test(e)) return `version "${text}" has an epoch that is not a number`;
    epoch = Number(e);
    rest = text.slice(colon + 1);
  }
  const dash = rest.lastIndexOf('-');
  const upstream = dash >= 0 ? rest.slice(0, dash) : rest;
  const revision = dash >= 0 ? rest.slice(dash + 1) : '';
  if (!UPSTREAM.test(upstream) || upstream.includes(':')) {
    return `version "${text}": the upstream part "${upstream}" must start with a digit and use only A-Za-z0-9.+~-`;
  }
  if (dash >= 0 && !REVISION.test(revision)) {
    return `version "${text}": the revision "${revision}" may use only A-Za-z0-9.+~`;
  }
  return { epoch, upstream, revision };
}

/** The version as it appears in file names: without the epoch. */
export function versionWithoutEpoch(version: string): string {
  const colon = version.indexOf(':');
  return colon >= 0 ? version.slice(colon + 1) : version;
}

function order(c: number): number {
  // c is a char code, or 0 for "end of string"; digits weigh like the end (they start a number run).
  if (c === 0 || isDigit(c)) return 0;
  if (c === 0x7e) return -1; // '~'
  if ((c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a)) return c;
  return c + 256;
}

function isDigit(c: number): boolean {
  return c >= 0x30 && c <= 0x39;
}

/** dpkg's verrevcmp over one part (upstream or revision). */
function compareFragment(a: string, b: string): number {
  let i = 0;
  let j = 0;
  while (i < a.length || j < b.length) {
    let firstDiff = 0;
    while ((i < a.length && !isDigit(a.charCodeAt(i))) || (j < b.length && !isDigit(b.charCodeAt(j)))) {
      const ac = i < a.length ? order(a.charCodeAt(i)) : 0;
      const bc = j < b.length ? order(b.charCodeAt(j)) : 0;
      if (ac !== bc) return ac - bc;
      i++;
      j++;
    }
    while (i < a.length && a.charCodeAt(i) === 0x30) i++;
    while (j < b.length && b.charCodeAt(j) === 0x30) j++;
    while (i < a.length && isDigit(a.charCodeAt(i)) && j < b.length && isDigit(b.charCodeAt(j))) {
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

function split(text: string): DebianVersion {
  const parsed = parseVersion(text);
  if (typeof parsed !== 'string') return parsed;
  // Invalid versions still get a total order (dpkg compares them leniently too).
  const colon = text.indexOf(':');
  const epoch = colon >= 0 ? Number.parseInt(text.slice(0, colon), 10) || 0 : 0;
  const rest = colon >= 0 ? text.slice(colon + 1) : text;
  const dash = rest.lastIndexOf('-');
  return { epoch, upstream: dash >= 0 ? rest.slice(0, dash) : rest, revision: dash >= 0 ? rest.slice(dash + 1) : '' };
}

/** Negative if a < b, 0 if equal, positive if a > b, as `dpkg --compare-versions`. */
export function compareVersions(a: string, b: string): number {
  if (a === b) return 0;
  const va = split(a);
  const vb = split(b);
  if (va.epoch !== vb.epoch) return va.epoch - vb.epoch;
  const up = compareFragment(va.upstream, vb.upstream);
  if (up !== 0) return up;
  return compareFragment(va.revision, vb.revision);
}
