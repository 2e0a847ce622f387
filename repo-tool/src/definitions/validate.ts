// Static validation of package definitions before anything is built: package names (Debian
// Policy §5.6.1), versions (§5.6.12), architecture, maintainer (§5.6.2), synopsis (§3.4.1,
// §5.6.13), relationships (§7.1, §7.5), paths and modes (validate-paths.ts), extra fields
// (deb822(5) field names). Every problem is collected; nothing is thrown until the end.
import type { Content, PackageDefinition } from '../model/definition.js';
import { KNOWN_FIELDS, RELATIONSHIP_FIELDS } from '../deb/control.js';
import { parseVersion } from '../deb/version.js';
import { type DefinitionProblem, ProblemList, throwIfProblems } from './problems.js';
import { PACKAGE_NAME } from '../deb/package-name.js';
import { checkPaths } from './validate-paths.js';
import { checkRelationships } from './validate-relationships.js';

const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const MAINTAINER = /^[^<>,\n]*[^<>,\s] <[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>$/;
const FIELD_NAME = /^[!-9;-~]+$/;
export const SYNOPSIS_MAX = 80;

function isContent(value: unknown): value is Content {
  return typeof value === 'string' || value instanceof Uint8Array || (typeof value === 'object' && value !== null && typeof (value as { from?: unknown }).from === 'string');
}

function checkIdentity(def: PackageDefinition, p: ProblemList): void {
  if (typeof def.name !== 'string' || !PACKAGE_NAME.test(def.name)) {
    p.add('name', `"${String(def.name)}" is not a valid package name`, 'use at least two characters of a-z, 0-9, "+", "-" and ".", starting with a letter or digit (Policy §5.6.1)');
  }
  const version = parseVersion(String(def.version ?? ''));
  if (!version.ok) p.add('version', version.problem, 'use [epoch:]upstream[-revision], e.g. 1.2.3-1 (Policy §5.6.12)');
  if (typeof def.architecture !== 'string' || !ARCHITECTURE.test(def.architecture) || ['any', 'source'].includes(def.architecture)) {
    p.add('architecture', `"${String(def.architecture)}" is not a binary package architecture`, 'use "all" or a Debian architecture such as amd64 or arm64');
  }
  if (typeof def.maintainer !== 'string' || !MAINTAINER.test(def.maintainer)) {
    p.add('maintainer', `"${String(def.maintainer)}" is not in "Full Name <address@example.org>" form`, 'write the name, a space and the e-mail address in angle brackets (Policy §5.6.2)');
  }
  if (def.source !== undefined) {
    if (!PACKAGE_NAME.test(def.source.name)) p.add('source.name', `"${def.source.name}" is not a valid source package name`, 'use a-z, 0-9, "+", "-" and "." (Policy §5.6.1)');
    if (def.source.version !== undefined) {
      const sv = parseVersion(def.source.version);
      if (!sv.ok) p.add('source.version', sv.problem, 'use a Debian version (Policy §5.6.12)');
    }
  }
  if (def.section !== undefined && !/^[a-z0-9][a-z0-9+./-]*$/.test(def.section)) p.add('section', `"${def.section}" is not a section name`, 'use e.g. admin, net or contrib/net');
  if (def.priority !== undefined && !['required', 'important', 'standard', 'optional', 'extra'].includes(def.priority)) {
    p.add('priority', `"${String(def.priority)}" is not a priority`, 'use optional (or required, important, standard)');
  }
  if (def.multiArch !== undefined && !['same', 'foreign', 'allowed', 'no'].includes(def.multiArch)) {
    p.add('multiArch', `"${String(def.multiArch)}" is not a Multi-Arch value`, 'use same, foreign, allowed or no');
  }
  if (def.homepage !== undefined && !/^https?:\/\/[^\s]+$/.test(def.homepage)) p.add('homepage', `"${def.homepage}" is not an http(s) URL`, 'give the full URL, e.g. https://example.org/half');
}

function checkDescription(def: PackageDefinition, p: ProblemList): void {
  const synopsis = def.description?.synopsis;
  if (typeof synopsis !== 'string' || synopsis.trim() === '') return p.add('description.synopsis', 'the synopsis is empty', 'describe the package in one line');
  if (/[\n\r]/.test(synopsis)) p.add('description.synopsis', 'the synopsis spans several lines', 'keep it on one line; put details in description.long');
  if (synopsis !== synopsis.trim()) p.add('description.synopsis', 'the synopsis starts or ends with whitespace', 'trim it');
  if (synopsis.length > SYNOPSIS_MAX) p.add('description.synopsis', `the synopsis has ${synopsis.length} characters`, `shorten it to at most ${SYNOPSIS_MAX} (Policy §3.4.1)`);
  if (synopsis.endsWith('.') && !synopsis.endsWith('...')) p.add('description.synopsis', 'the synopsis ends with a period', 'drop the period: the synopsis is a noun phrase, not a sentence (Policy §3.4.1)');
  const long = def.description.long;
  if (long === undefined) return;
  long.split('\n').forEach((line, i) => {
    if (line.trim() === '.') p.add('description.long', `line ${i + 1} is a lone ".", which reads as an empty line`, 'indent it to show it verbatim or remove it');
    if (/[\0-\x08\x0b-\x1f\x7f]/.test(line)) p.add('description.long', `line ${i + 1} contains a control character`, 'remove it');
  });
}

function checkControlContent(def: PackageDefinition, p: ProblemList): void {
  for (const [name, content] of Object.entries(def.scripts ?? {})) {
    if (content === undefined) continue;
    if (!isContent(content)) p.add(`scripts.${name}`, 'the content is not a string, bytes or { from }', 'give the script text or { from: "debian/<file>" }');
    else if (typeof content === 'string' && !content.startsWith('#!')) p.add(`scripts.${name}`, 'the script does not start with "#!"', 'start it with an interpreter line such as #!/bin/sh (dpkg executes it directly)');
  }
  for (const key of ['templates', 'triggers'] as const) {
    if (def[key] !== undefined && !isContent(def[key])) p.add(key, 'the content is not a string, bytes or { from }', 'give the text or { from: "debian/<file>" }');
  }
  (def.files ?? []).forEach((file, i) => {
    if (!isContent(file.content)) p.add(`files[${i}].content`, 'the content is not a string, bytes or { from }', 'give the text, bytes or { from: "<path>" }');
  });
}

function checkExtraFields(def: PackageDefinition, p: ProblemList): void {
  const known = new Set(KNOWN_FIELDS.map((f) => f.toLowerCase()));
  for (const [name, value] of Object.entries(def.extraFields ?? {})) {
    const field = `extraFields["${name}"]`;
    if (!FIELD_NAME.test(name) || name.startsWith('#') || name.startsWith('-')) p.add(field, `"${name}" is not a deb822 field name`, 'use printable ASCII without spaces or ":" (deb822(5))');
    else if (known.has(name.toLowerCase())) p.add(field, `"${name}" is written by the builder itself`, 'set the dedicated definition property instead');
    const lines = String(value).split('\n');
    if ((lines[0] ?? '').trim() === '' || lines.slice(1).some((l) => !/^[ \t]\S/.test(l))) {
      p.add(field, 'the value is empty or has a continuation line that is blank or not indented', 'start continuation lines with a space and use " ." for empty lines');
    }
  }
}

const LIST_FIELDS = ['files', 'directories', 'symlinks', 'trees'] as const;

function checkShapes(def: PackageDefinition, p: ProblemList): boolean {
  let ok = true;
  for (const field of LIST_FIELDS) {
    const value: unknown = def[field];
    if (value === undefined) continue;
    if (!Array.isArray(value) || value.some((item) => typeof item !== 'object' || item === null)) {
      p.add(field, 'is not a list of objects', `give ${field} as an array of { path, … } entries (see PackageDefinition)`);
      ok = false;
    }
  }
  const scripts: unknown = def.scripts;
  if (scripts !== undefined && (typeof scripts !== 'object' || scripts === null || Array.isArray(scripts))) {
    p.add('scripts', 'is not an object of maintainer scripts', 'give scripts as { postinst: "#!/bin/sh …", … }');
    ok = false;
  }
  return ok;
}

/** Every problem of one definition (empty when it is valid). */
export function validateDefinition(def: PackageDefinition, source = ''): DefinitionProblem[] {
  const p = new ProblemList(source, typeof def?.name === 'string' ? def.name : '?');
  if (typeof def !== 'object' || def === null) {
    p.add('(definition)', 'the module returned no definition object', 'return a PackageDefinition (or an array of them) from the default export');
    return p.problems;
  }
  checkIdentity(def, p);
  checkDescription(def, p);
  checkRelationships(def, p, RELATIONSHIP_FIELDS);
  // the list and map fields the checks below walk: a module written without the types can give
  // anything there, and walking it would crash instead of naming it
  const shapeOk = checkShapes(def, p);
  if (shapeOk) checkPaths(def, p);
  if (shapeOk) checkControlContent(def, p);
  checkExtraFields(def, p);
  return p.problems;
}

/** Validates one definition and throws InvalidDefinitionError with all its problems. */
export function assertValidDefinition(def: PackageDefinition, source = ''): void {
  throwIfProblems(validateDefinition(def, source));
}
