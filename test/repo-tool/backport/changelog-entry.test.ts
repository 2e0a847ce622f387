// The changelog writer against dpkg's own reader: dpkg-parsechangelog(1) must read back every
// field we wrote, on a fresh changelog and on top of a real Debian one.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  formatChangelogEntry,
  prependChangelogEntry,
  rfc5322Date,
  topEntry,
  type ChangelogEntry,
} from '../../../repo-tool/src/backport/changelog-entry.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

const ENTRY: ChangelogEntry = {
  package: 'keepalived',
  version: '1:2.3.3-1~bpo12+half1',
  distribution: 'bookworm',
  urgency: 'medium',
  changes: [
    "Rebuild Debian's 1:2.3.3-1 from trixie for Debian 12 (bookworm), for HALF (High Availability Linux Firewall), with a long sentence that must wrap twice at eighty columns at least.",
    'Add HALF examples.',
  ],
  maintainer: 'HALF Backports <half-backports@localhost>',
  date: 1_767_225_600, // 2026-01-01T00:00:00Z, a Thursday
};

const DEBIAN_CHANGELOG = `keepalived (1:2.3.3-1) unstable; urgency=medium

  * New upstream release.

 -- A Debian Maintainer <maintainer@example.org>  Sat, 12 Apr 2025 10:32:42 +0200

keepalived (1:2.3.2-1) unstable; urgency=medium

  * New upstream release.

 -- A Debian Maintainer <maintainer@example.org>  Sat, 14 Dec 2024 08:28:59 +0100
`;

let dir: string;
beforeAll(async () => {
  requireTool('dpkg-parsechangelog');
  dir = await mkdtemp(join(tmpdir(), 'half-changelog-'));
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function parse(text: string, ...args: string[]): Promise<Map<string, string>> {
  const file = join(dir, `changelog-${Math.random().toString(36).slice(2)}`);
  await writeFile(file, text);
  const result = await run('dpkg-parsechangelog', ['-l', file, ...args], { check: true });
  expect(result.stderr).not.toMatch(/warning/i);
  const fields = new Map<string, string>();
  let last = '';
  for (const line of result.stdout.split('\n')) {
    const match = /^([A-Za-z-]+): ?(.*)$/.exec(line);
    if (match !== null) fields.set((last = match[1] ?? ''), match[2] ?? '');
    else if (line.startsWith(' ')) fields.set(last, `${fields.get(last) ?? ''}\n${line}`);
  }
  return fields;
}

describe('formatChangelogEntry', () => {
  it('writes an entry dpkg-parsechangelog reads back field for field', async () => {
    const text = formatChangelogEntry(ENTRY);
    const fields = await parse(text);
    expect(fields.get('Source')).toBe('keepalived');
    expect(fields.get('Version')).toBe(ENTRY.version);
    expect(fields.get('Distribution')).toBe('bookworm');
    expect(fields.get('Urgency')).toBe('medium');
    expect(fields.get('Maintainer')).toBe(ENTRY.maintainer);
    expect(fields.get('Timestamp')).toBe(String(ENTRY.date));
    expect(fields.get('Date')).toBe(rfc5322Date(ENTRY.date));
    const changes = fields.get('Changes') ?? '';
    expect(changes.replace(/\s+/g, ' ')).toContain(ENTRY.changes[0]);
    expect(changes).toContain('* Add HALF examples.');
  });

  it('wraps bullets at 80 columns with four-space continuation lines', () => {
    const lines = formatChangelogEntry(ENTRY).split('\n');
    expect(Math.max(...lines.map((l) => l.length))).toBeLessThanOrEqual(80);
    const bullet = lines.findIndex((l) => l.startsWith('  * Rebuild'));
    expect(lines[bullet + 1]).toMatch(/^ {4}\S/);
    expect(lines[bullet + 2]).toMatch(/^ {4}\S/);
  });

  it('writes the date as `date -R` does, in UTC', async () => {
    for (const epoch of [0, 951_782_400, 1_767_225_600, 1_798_761_599]) {
      const expected = (await run('date', ['-R', '-u', '-d', `@${epoch}`], { check: true })).stdout.trim();
      expect(rfc5322Date(epoch)).toBe(expected);
    }
  });

  it('goes on top of a real Debian changelog, which keeps every older entry', async () => {
    const text = prependChangelogEntry(DEBIAN_CHANGELOG, formatChangelogEntry(ENTRY));
    expect((await parse(text)).get('Version')).toBe(ENTRY.version);
    const all = await parse(text, '--all');
    expect(all.get('Changes')).toContain('Add HALF examples.');
    expect(all.get('Changes')).toContain('keepalived (1:2.3.2-1) unstable');
    const second = await parse(text, '--offset', '1', '--count', '1');
    expect(second.get('Version')).toBe('1:2.3.3-1');
    expect(topEntry(text)).toEqual({ package: 'keepalived', version: ENTRY.version });
  });

  it.each([
    ['package', { package: 'Keepalived' }, /not a Debian package name/],
    ['version', { version: '1:x2.3' }, /upstream version/],
    ['maintainer', { maintainer: 'HALF Backports' }, /Full Name <address>/],
    ['date', { date: 1.5 }, /seconds since 1970/],
    ['changes', { changes: [] }, /at least one non-empty change/],
    ['distribution', { distribution: 'bookworm;' }, /not a suite name/],
  ])('rejects a bad %s with a ConfigError naming it', (_, override, message) => {
    const bad = { ...ENTRY, ...override } as ChangelogEntry;
    expect(() => formatChangelogEntry(bad)).toThrow(ConfigError);
    expect(() => formatChangelogEntry(bad)).toThrow(message);
  });
});

describe('topEntry', () => {
  it('reads the first heading, and nothing from a file that is not a changelog', () => {
    expect(topEntry(DEBIAN_CHANGELOG)).toEqual({ package: 'keepalived', version: '1:2.3.3-1' });
    expect(topEntry('Source: keepalived\n')).toBeUndefined();
  });
});
