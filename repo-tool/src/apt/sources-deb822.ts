// The deb822 format of /etc/apt/sources.list.d/*.sources (sources.list(5), "DEB822-STYLE
// FORMAT"): one stanza per source, `Types`, `URIs` and `Suites` required, `Components` required
// unless the suite is an exact path (ends in "/"), `Enabled: no` turning a stanza off, `#`
// comment lines anywhere, and `Signed-By` holding keyring paths, fingerprints or a whole
// armored key on continuation lines (a line " ." standing for an empty line). Pure.
import { parseDeb822 } from '../format/deb822.js';
import { ConfigError } from '../model/errors.js';
import { getField, type Paragraph } from '../model/paragraph.js';
import { splitWords, type AptSource, type SourceType } from './apt-source.js';

const HINT = 'each stanza needs Types, URIs, Suites and (unless the suite ends in "/") Components; see sources.list(5)';

/** Parses a `.sources` file. `file` names it in errors and in each entry's `origin`. */
export function parseSourcesDeb822(text: string, file: string): AptSource[] {
  let paragraphs: Paragraph[];
  try {
    paragraphs = parseDeb822(text, { source: file, comments: true });
  } catch (error) {
    throw new ConfigError(`${file}: not a valid deb822 sources file: ${(error as Error).message}`, { hint: HINT, cause: error });
  }
  const stanzaLines = firstLines(text);
  return paragraphs.map((paragraph, index) => toSource(paragraph, `${file}:${stanzaLines[index] ?? 1}`));
}

function toSource(paragraph: Paragraph, origin: string): AptSource {
  function fail(what: string): never {
    throw new ConfigError(`${origin}: ${what}`, { hint: HINT });
  }
  const words = (name: string): string[] => splitWords(getField(paragraph, name) ?? '');
  const types = words('Types');
  if (types.length === 0) fail('the stanza has no Types field');
  for (const type of types) if (type !== 'deb' && type !== 'deb-src') fail(`unknown type "${type}" (expected deb or deb-src)`);
  const uris = words('URIs');
  if (uris.length === 0) fail('the stanza has no URIs field');
  const suites = words('Suites');
  if (suites.length === 0) fail('the stanza has no Suites field');
  const components = words('Components');
  const exact = suites.filter((suite) => suite.endsWith('/'));
  if (exact.length > 0 && components.length > 0) fail(`suite "${exact[0]}" is an exact path (ends in "/") and takes no Components`);
  if (exact.length === 0 && components.length === 0) fail('the stanza has no Components field');

  const enabledValue = (getField(paragraph, 'Enabled') ?? 'yes').trim().toLowerCase();
  if (enabledValue !== 'yes' && enabledValue !== 'no') fail(`Enabled must be "yes" or "no", not "${enabledValue}"`);

  const options: Record<string, string> = {};
  for (const [name, value] of paragraph) options[name.toLowerCase()] = value;
  return {
    types: types as SourceType[],
    uris,
    suites,
    components,
    signedBy: signedBy(getField(paragraph, 'Signed-By')),
    enabled: enabledValue === 'yes',
    options,
    origin,
  };
}

/** Paths and fingerprints as one space-separated string; an embedded key as its armored text. */
function signedBy(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (!value.includes('-----BEGIN PGP')) return splitWords(value).join(' ') || undefined;
  const lines = value.split('\n').map((line) => line.replace(/^[ \t]/, ''));
  if (lines[0] === '') lines.shift();
  return lines.map((line) => (line === '.' ? '' : line)).join('\n') + '\n';
}

/** 1-based line number of each stanza's first field line, for error messages. */
function firstLines(text: string): number[] {
  const starts: number[] = [];
  let inStanza = false;
  text.split('\n').forEach((line, index) => {
    if (line.startsWith('#')) return;
    if (/^\s*$/.test(line)) inStanza = false;
    else if (!inStanza) {
      starts.push(index + 1);
      inStanza = true;
    }
  });
  return starts;
}
