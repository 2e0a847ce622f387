// The one-line format of /etc/apt/sources.list and sources.list.d/*.list (sources.list(5),
// "ONE-LINE-STYLE FORMAT"): `type [ opt=value … ] uri suite [component …]`, `#` starting a
// comment anywhere on the line. A suite ending in "/" is an exact path and takes no component;
// any other suite needs at least one. Pure: text in, entries out.
import { ConfigError } from '../model/errors.js';
import type { AptSource, SourceType } from './apt-source.js';

const TYPES: ReadonlySet<string> = new Set(['deb', 'deb-src']);
const OPTION = /^([A-Za-z][A-Za-z0-9-]*)([+-]?=)(.*)$/;

/** Parses a one-line sources file. `file` names it in errors and in each entry's `origin`. */
export function parseSourcesList(text: string, file: string): AptSource[] {
  const entries: AptSource[] = [];
  text.split('\n').forEach((raw, index) => {
    const line = stripComment(raw).trim();
    if (line === '') return;
    entries.push(parseLine(line, `${file}:${index + 1}`));
  });
  return entries;
}

function stripComment(line: string): string {
  const hash = line.indexOf('#');
  return hash < 0 ? line : line.slice(0, hash);
}

function parseLine(line: string, origin: string): AptSource {
  function fail(what: string): never {
    throw new ConfigError(`${origin}: ${what} in "${line}"`, {
      hint: 'write it as "deb [signed-by=/path/key.gpg] URI SUITE COMPONENT…" (sources.list(5)), or comment it out with "#"',
    });
  }
  const typeMatch = /^(\S+)\s*/.exec(line);
  const type = typeMatch?.[1] ?? '';
  if (!TYPES.has(type)) fail(`unknown source type "${type}" (expected deb or deb-src)`);
  let rest = line.slice(typeMatch?.[0].length ?? 0);

  const options: Record<string, string> = {};
  if (rest.startsWith('[')) {
    const close = rest.indexOf(']');
    if (close < 0) fail('an option list "[" is never closed with "]"');
    for (const word of rest.slice(1, close).trim().split(/\s+/)) {
      if (word === '') continue;
      const option = OPTION.exec(word);
      if (option === null) fail(`option "${word}" is not name=value`);
      const [, name = '', operator = '=', value = ''] = option;
      options[operator === '=' ? name.toLowerCase() : `${name.toLowerCase()}${operator.slice(0, 1)}`] = value;
    }
    rest = rest.slice(close + 1).trim();
  }

  const [uri, suite, ...components] = rest.split(/\s+/).filter((word) => word !== '');
  if (uri === undefined) fail('the URI is missing');
  if (suite === undefined) fail('the suite is missing');
  const exactPath = suite.endsWith('/');
  if (exactPath && components.length > 0) fail(`suite "${suite}" is an exact path (ends in "/") and takes no component`);
  if (!exactPath && components.length === 0) fail(`suite "${suite}" has no component`);

  return {
    types: [type as SourceType],
    uris: [uri],
    suites: [suite],
    components,
    signedBy: options['signed-by'],
    enabled: true,
    options,
    origin,
  };
}
