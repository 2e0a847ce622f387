// The Debian mirror this machine's apt uses (never a hard-coded host): the first `deb` source in
// /etc/apt/sources.list.d/*.sources (deb822) or /etc/apt/sources.list whose suites include
// `suite`'s release family.
import { readFileSync, readdirSync } from 'node:fs';

function fromDeb822(text: string): { uri: string; suites: string[] }[] {
  const out: { uri: string; suites: string[] }[] = [];
  for (const stanza of text.split(/\n\s*\n/)) {
    const field = (name: string): string | undefined => new RegExp(`^${name}:\\s*(.+)$`, 'mi').exec(stanza)?.[1]?.trim();
    const types = field('Types') ?? '';
    const uris = field('URIs');
    if (!types.split(/\s+/).includes('deb') || uris === undefined) continue;
    if (/^Enabled:\s*no/im.test(stanza)) continue;
    for (const uri of uris.split(/\s+/)) out.push({ uri, suites: (field('Suites') ?? '').split(/\s+/) });
  }
  return out;
}

function fromOneLine(text: string): { uri: string; suites: string[] }[] {
  const out: { uri: string; suites: string[] }[] = [];
  for (const line of text.split('\n')) {
    const m = /^deb\s+(?:\[[^\]]*\]\s+)?(\S+)\s+(\S+)/.exec(line.trim());
    if (m !== null) out.push({ uri: m[1] as string, suites: [m[2] as string] });
  }
  return out;
}

/** The mirror URI for `suite` (e.g. bookworm); throws when apt has none configured. */
export function aptMirror(suite: string): string {
  const sources: { uri: string; suites: string[] }[] = [];
  const dir = '/etc/apt/sources.list.d';
  try {
    for (const name of readdirSync(dir).sort()) {
      if (name.endsWith('.sources')) sources.push(...fromDeb822(readFileSync(`${dir}/${name}`, 'utf8')));
      if (name.endsWith('.list')) sources.push(...fromOneLine(readFileSync(`${dir}/${name}`, 'utf8')));
    }
  } catch {
    // no sources.list.d
  }
  try {
    sources.push(...fromOneLine(readFileSync('/etc/apt/sources.list', 'utf8')));
  } catch {
    // no sources.list
  }
  const match = sources.find((s) => s.suites.includes(suite)) ?? sources.find((s) => /\/debian\/?$/.test(s.uri) && s.suites.length > 0);
  if (match === undefined) throw new Error(`no deb source for ${suite} in the machine's apt configuration`);
  return match.uri;
}
