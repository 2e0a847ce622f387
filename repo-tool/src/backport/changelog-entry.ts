// One debian/changelog entry (Debian Policy §4.4, "debian/changelog"; deb-changelog(5)):
//
//   package (version) distribution; urgency=medium
//   <blank>
//     * change, wrapped at 80 columns with continuation lines indented by four spaces
//   <blank>
//    -- Name <email>  Day, DD Mon YYYY HH:MM:SS +0000
//
// The date is RFC 5322 (as `date -R` prints it), always in UTC here. Pure: the date is an
// argument (SOURCE_DATE_EPOCH seconds), never the clock.
import { parseVersion } from '../deb/version.js';
import { ConfigError } from '../model/errors.js';

export type Urgency = 'low' | 'medium' | 'high' | 'emergency' | 'critical';

export interface ChangelogEntry {
  readonly package: string;
  readonly version: string;
  /** E.g. `bookworm`; several separated by spaces are allowed by the format. */
  readonly distribution: string;
  readonly urgency: Urgency;
  /** One bullet each; wrapped by the writer. */
  readonly changes: readonly string[];
  /** `Full Name <address>`. */
  readonly maintainer: string;
  /** Seconds since the epoch (SOURCE_DATE_EPOCH). */
  readonly date: number;
}

const PACKAGE = /^[a-z0-9][a-z0-9+.-]+$/; // Policy §5.6.1
const DISTRIBUTION = /^[A-Za-z0-9][A-Za-z0-9.+/-]*( [A-Za-z0-9][A-Za-z0-9.+/-]*)*$/;
const MAINTAINER = /^[^<>\n]*[^<>\s] <[^<>\s@]+@[^<>\s]+>$/;
const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const WIDTH = 80;

/** `Thu, 01 Jan 2026 00:00:00 +0000` for 1767225600. */
export function rfc5322Date(epochSeconds: number): string {
  const d = new Date(epochSeconds * 1000);
  const two = (n: number): string => String(n).padStart(2, '0');
  return `${DAYS[d.getUTCDay()]}, ${two(d.getUTCDate())} ${MONTHS[d.getUTCMonth()]} ${d.getUTCFullYear()} ` +
    `${two(d.getUTCHours())}:${two(d.getUTCMinutes())}:${two(d.getUTCSeconds())} +0000`;
}

/** Words of `text` on lines of at most WIDTH columns: `  * ` first, `    ` after. */
function bullet(text: string): string[] {
  const lines: string[] = [];
  let line = '  *';
  let words = 0;
  for (const word of text.split(/\s+/).filter((w) => w !== '')) {
    if (words > 0 && line.length + 1 + word.length > WIDTH) {
      lines.push(line);
      line = '   ';
      words = 0;
    }
    line += ` ${word}`;
    words++;
  }
  lines.push(line);
  return lines;
}

export function formatChangelogEntry(entry: ChangelogEntry): string {
  const fail = (what: string, hint: string): never => {
    throw new ConfigError(`changelog entry for ${entry.package} ${entry.version}: ${what}`, { hint });
  };
  if (!PACKAGE.test(entry.package)) fail(`"${entry.package}" is not a Debian package name`, 'use lowercase letters, digits, "+", "-" and "." (Policy §5.6.1)');
  const version = parseVersion(entry.version);
  if (!version.ok) fail(version.problem, 'give a Debian version (Policy §5.6.12)');
  if (!DISTRIBUTION.test(entry.distribution)) fail(`distribution "${entry.distribution}" is not a suite name`, 'use a codename such as bookworm');
  if (!MAINTAINER.test(entry.maintainer)) fail(`maintainer "${entry.maintainer}" is not "Full Name <address>"`, 'write it as "Full Name <user@example.org>"');
  if (!Number.isInteger(entry.date) || entry.date < 0) fail(`date ${entry.date} is not a whole number of seconds since 1970`, 'pass SOURCE_DATE_EPOCH in seconds');
  if (entry.changes.length === 0 || entry.changes.some((c) => c.trim() === '')) fail('every entry needs at least one non-empty change', 'describe what changed');
  return [
    `${entry.package} (${entry.version}) ${entry.distribution}; urgency=${entry.urgency}`,
    '',
    ...entry.changes.flatMap(bullet),
    '',
    ` -- ${entry.maintainer}  ${rfc5322Date(entry.date)}`,
    '',
  ].join('\n');
}

/** The new entry on top of an existing changelog, separated by one blank line. */
export function prependChangelogEntry(existing: string, entryText: string): string {
  return `${entryText}\n${existing.replace(/^\s*\n/, '')}`;
}

/** Package and version of the topmost entry, or undefined when the first line is not a heading. */
export function topEntry(changelog: string): { package: string; version: string } | undefined {
  const match = /^([a-z0-9][a-z0-9+.-]+) \(([^()\s]+)\)/.exec(changelog.replace(/^\s*\n/, ''));
  return match === null ? undefined : { package: match[1] ?? '', version: match[2] ?? '' };
}
