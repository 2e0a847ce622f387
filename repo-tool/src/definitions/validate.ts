// Static validation of package definitions before anything is built: first the shape (only
// declared keys, each of its declared type: check-shape.ts), then the values of the fields whose
// shape is right: package names (Debian Policy §5.6.1), versions (§5.6.12), architecture,
// maintainer (§5.6.2), synopsis (§3.4.1, §5.6.13), relationships (§7.1, §7.5), paths and modes
// (validate-paths.ts), extra fields (deb822(5) field names, case-insensitive and unique, Policy
// §5.1). Every problem is collected; nothing is thrown until the end.
import type { MaintainerScripts, PackageDefinition } from '../model/definition.js';
import { RELATIONSHIP_FIELDS, WRITTEN_FIELDS } from '../deb/control.js';
import { parseVersion } from '../deb/version.js';
import { INDEX_FIELDS } from '../repo/packages.js';
import { type DefinitionProblem, ProblemList, throwIfProblems } from './problems.js';
import { PACKAGE_NAME } from '../deb/package-name.js';
import { checkShape } from './check-shape.js';
import { DEFINITION_SHAPE } from './definition-shape.js';
import { checkPaths } from './validate-paths.js';
import { checkRelationships } from './validate-relationships.js';

const ARCHITECTURE = /^[a-z0-9][a-z0-9-]*$/;
const MAINTAINER = /^[^<>,\n]*[^<>,\s] <[^<>@\s]+@[^<>@\s]+\.[^<>@\s]+>$/;
const FIELD_NAME = /^[!-9;-~]+$/;
export const SYNOPSIS_MAX = 80;
const MAINTAINER_SCRIPTS = ['preinst', 'postinst', 'prerm', 'postrm', 'config'] as const satisfies readonly (keyof MaintainerScripts)[];

function checkName(def: PackageDefinition, p: ProblemList): void {
  if (!PACKAGE_NAME.test(def.name)) p.add('name', `"${def.name}" is not a valid package name`, 'use at least two characters of a-z, 0-9, "+", "-" and ".", starting with a letter or digit (Policy §5.6.1)');
}

function checkVersion(def: PackageDefinition, p: ProblemList): void {
  const version = parseVersion(def.version);
  if (!version.ok) p.add('version', version.problem, 'use [epoch:]upstream[-revision], e.g. 1.2.3-1 (Policy §5.6.12)');
}

function checkArchitecture(def: PackageDefinition, p: ProblemList): void {
  if (!ARCHITECTURE.test(def.architecture) || ['any', 'source'].includes(def.architecture)) {
    p.add('architecture', `"${def.architecture}" is not a binary package architecture`, 'use "all" or a Debian architecture such as amd64 or arm64');
  }
}

function checkMaintainer(def: PackageDefinition, p: ProblemList): void {
  if (!MAINTAINER.test(def.maintainer)) {
    p.add('maintainer', `"${def.maintainer}" is not in "Full Name <address@example.org>" form`, 'write the name, a space and the e-mail address in angle brackets (Policy §5.6.2)');
  }
}

function checkSource(def: PackageDefinition, p: ProblemList): void {
  if (def.source === undefined) return;
  if (!PACKAGE_NAME.test(def.source.name)) p.add('source.name', `"${def.source.name}" is not a valid source package name`, 'use a-z, 0-9, "+", "-" and "." (Policy §5.6.1)');
  if (def.source.version !== undefined) {
    const sv = parseVersion(def.source.version);
    if (!sv.ok) p.add('source.version', sv.problem, 'use a Debian version (Policy §5.6.12)');
  }
}

function checkSection(def: PackageDefinition, p: ProblemList): void {
  if (def.section !== undefined && !/^[a-z0-9][a-z0-9+./-]*$/.test(def.section)) p.add('section', `"${def.section}" is not a section name`, 'use e.g. admin, net or contrib/net');
}

function checkPriority(def: PackageDefinition, p: ProblemList): void {
  if (def.priority !== undefined && !['required', 'important', 'standard', 'optional', 'extra'].includes(def.priority)) {
    p.add('priority', `"${def.priority}" is not a priority`, 'use optional (or required, important, standard)');
  }
}

function checkMultiArch(def: PackageDefinition, p: ProblemList): void {
  if (def.multiArch !== undefined && !['same', 'foreign', 'allowed', 'no'].includes(def.multiArch)) {
    p.add('multiArch', `"${def.multiArch}" is not a Multi-Arch value`, 'use same, foreign, allowed or no');
  }
  // dpkg refuses it at install, lintian as illegal-multi-arch-value: "same" is co-installable
  // builds of several architectures, and "all" is one build for every architecture
  if (def.multiArch === 'same' && def.architecture === 'all') p.add('multiArch', '"same" with architecture "all" cannot be installed', 'use multiArch "foreign" (or none) for an "all" package, or build it per architecture');
}

function checkHomepage(def: PackageDefinition, p: ProblemList): void {
  if (def.homepage !== undefined && !/^https?:\/\/[^\s]+$/.test(def.homepage)) p.add('homepage', `"${def.homepage}" is not an http(s) URL`, 'give the full URL, e.g. https://example.org/half');
}

function checkDescription(def: PackageDefinition, p: ProblemList): void {
  const synopsis = def.description.synopsis;
  if (synopsis.trim() === '') return p.add('description.synopsis', 'the synopsis is empty', 'describe the package in one line');
  if (/[\n\r]/.test(synopsis)) p.add('description.synopsis', 'the synopsis spans several lines', 'keep it on one line; put details in description.long');
  if (synopsis !== synopsis.trim()) p.add('description.synopsis', 'the synopsis starts or ends with whitespace', 'trim it');
  if (synopsis.length > SYNOPSIS_MAX) p.add('description.synopsis', `the synopsis has ${synopsis.length} characters`, `shorten it to at most ${SYNOPSIS_MAX} (Policy §3.4.1)`);
  if (synopsis.endsWith('.') && !synopsis.endsWith('...')) p.add('description.synopsis', 'the synopsis ends with a period', 'drop the period: the synopsis is a noun phrase, not a sentence (Policy §3.4.1)');
  const long = def.description.long;
  if (long === undefined) return;
  long.split('\n').forEach((line, i) => {
    if (line.trim() === '.') p.add('description.long', `line ${i + 1} is a lone ".", which reads as an empty line`, 'indent it to show it verbatim or remove it');
    // written " .word", a form deb-control(5) reserves (lintian: description-contains-invalid-control-statement)
    else if (line.startsWith('.')) p.add('description.long', `line ${i + 1} starts with "${line.split(/\s/)[0] as string}", which would be written as the reserved " .${line.slice(1).split(/\s/)[0] as string}"`, 'indent the line to show it verbatim, or start it with another word');
    if (/[\0-\x08\x0b-\x1f\x7f]/.test(line)) p.add('description.long', `line ${i + 1} contains a control character`, 'remove it');
  });
}

function checkScripts(def: PackageDefinition, p: ProblemList): void {
  for (const name of MAINTAINER_SCRIPTS) {
    const content = def.scripts?.[name];
    if (typeof content === 'string' && !content.startsWith('#!')) p.add(`scripts.${name}`, 'the script does not start with "#!"', 'start it with an interpreter line such as #!/bin/sh (dpkg executes it directly)');
  }
}

function checkExtraFields(def: PackageDefinition, p: ProblemList): void {
  const written = new Map(WRITTEN_FIELDS.map(([f, from]) => [f.toLowerCase(), { field: f, from }]));
  const spellings = new Map<string, string>();
  for (const [name, value] of Object.entries(def.extraFields ?? {})) {
    const field = `extraFields["${name}"]`;
    const folded = name.toLowerCase();
    const builder = written.get(folded);
    const other = spellings.get(folded);
    if (!FIELD_NAME.test(name) || name.startsWith('#') || name.startsWith('-')) p.add(field, `"${name}" is not a deb822 field name`, 'use printable ASCII without spaces or ":" (deb822(5))');
    else if (builder !== undefined) {
      const what = builder.field === name ? `"${name}"` : `"${name}" is the field ${builder.field} (field names are case-insensitive, Policy §5.1), which`;
      const fix = builder.from.includes(' ') ? `remove it: the builder writes it from ${builder.from}` : `remove it and set ${builder.from} in the definition`;
      p.add(field, `${what} is written by the builder itself`, fix);
    } else if (INDEX_FIELDS.has(folded)) p.add(field, `"${name}" is computed for the Packages index, which drops a control file's own copy`, 'remove it');
    else if (other !== undefined) {
      p.add(field, `"${name}" and "${other}" are the same field: field names are case-insensitive (Policy §5.1), and dpkg-deb refuses the duplicate`, 'keep one of the two spellings');
    } else spellings.set(folded, name);
    const lines = value.split('\n');
    if ((lines[0] ?? '').trim() === '' || lines.slice(1).some((l) => !/^[ \t]\S/.test(l))) {
      p.add(field, 'the value is empty or has a continuation line that is blank or not indented', 'start continuation lines with a space and use " ." for empty lines');
    }
  }
}

type Check = (def: PackageDefinition, p: ProblemList) => void;

/** Each value check with the fields it reads: it runs on their usable parts (check-shape.ts), and not at all when one of them is unusable as a whole. */
const CHECKS: readonly (readonly [readonly (keyof PackageDefinition)[], Check])[] = [
  [['name'], checkName],
  [['version'], checkVersion],
  [['architecture'], checkArchitecture],
  [['maintainer'], checkMaintainer],
  [['source'], checkSource],
  [['section'], checkSection],
  [['priority'], checkPriority],
  [['multiArch'], checkMultiArch],
  [['homepage'], checkHomepage],
  [['description'], checkDescription],
  [['relationships', 'architecture'], (def, p) => checkRelationships(def, p, RELATIONSHIP_FIELDS)],
  [['files', 'directories', 'symlinks', 'trees'], checkPaths],
  [['scripts'], checkScripts],
  [['extraFields'], checkExtraFields],
];

/** Every problem of one definition (empty when it is valid). */
export function validateDefinition(def: PackageDefinition, source = ''): DefinitionProblem[] {
  const p = new ProblemList(source, typeof def?.name === 'string' ? def.name : '?');
  if (typeof def !== 'object' || def === null || Array.isArray(def)) {
    p.add('(definition)', 'the module returned no definition object', 'return a PackageDefinition (or an array of them) from the default export');
    return p.problems;
  }
  // first the shape: a module written without the types (or cast) can put anything anywhere, and
  // the value checks and the writers would crash on it or ignore it instead of naming it
  const { broken, usable } = checkShape(def as unknown as Readonly<Record<string, unknown>>, DEFINITION_SHAPE, p);
  const checked = usable as unknown as PackageDefinition;
  for (const [fields, check] of CHECKS) if (fields.every((f) => !broken.has(f))) check(checked, p);
  return p.problems;
}

/** Validates one definition and throws InvalidDefinitionError with all its problems. */
export function assertValidDefinition(def: PackageDefinition, source = ''): void {
  throwIfProblems(validateDefinition(def, source));
}
