// DEBIAN/control of a binary package (deb-control(5), Debian Policy §5.3 and §5.6): fields in
// the order dpkg-gencontrol writes them (Dpkg::Control::FieldsCore, CTRL_PKG_DEB), relationship
// fields normalised and reduced for the architecture, Description folded (§5.6.13).
// Pure: a validated definition in, a paragraph out.
import type { PackageDefinition, Relationships } from '../model/definition.js';
import type { Field, Paragraph } from '../model/paragraph.js';
import { formatParagraph } from '../format/deb822.js';
import { foldDescription } from './description.js';
import { formatRelationField, parseRelationElement, reduceForArchitecture, type RelationElement } from './relationship.js';

/** Relationship fields in dpkg-gencontrol's order (strongest dependency first). */
export const RELATIONSHIP_FIELDS: readonly (readonly [keyof Relationships, string])[] = [
  ['preDepends', 'Pre-Depends'],
  ['depends', 'Depends'],
  ['recommends', 'Recommends'],
  ['suggests', 'Suggests'],
  ['enhances', 'Enhances'],
  ['conflicts', 'Conflicts'],
  ['breaks', 'Breaks'],
  ['replaces', 'Replaces'],
  ['provides', 'Provides'],
  ['builtUsing', 'Built-Using'],
];

/** Every field the writer produces itself (extra fields may not repeat them), with what in a definition gives it. */
export const WRITTEN_FIELDS: readonly (readonly [field: string, from: string])[] = [
  ['Package', 'name'], ['Source', 'source'], ['Version', 'version'], ['Architecture', 'architecture'],
  ['Essential', 'essential'], ['Protected', 'protected'], ['Maintainer', 'maintainer'], ['Installed-Size', 'the files (computed)'],
  ...RELATIONSHIP_FIELDS.map(([key, name]) => [name, `relationships.${key}`] as const),
  ['Section', 'section'], ['Priority', 'priority'], ['Multi-Arch', 'multiArch'], ['Homepage', 'homepage'], ['Description', 'description'],
];

function relationField(values: readonly string[] | undefined, architecture: string): string | undefined {
  if (values === undefined || values.length === 0) return undefined;
  const elements: RelationElement[] = values.map((text) => {
    const parsed = parseRelationElement(text);
    if (!parsed.ok) throw new RangeError(`unvalidated relationship: ${parsed.problem}`);
    return parsed.element;
  });
  const reduced = reduceForArchitecture(elements, architecture);
  return reduced.length === 0 ? undefined : formatRelationField(reduced);
}

/** The control paragraph. `installedSize` is in KiB (see installed-size.ts). */
export function controlParagraph(def: PackageDefinition, installedSize: number): Paragraph {
  const fields: Field[] = [];
  const add = (name: string, value: string | undefined): void => {
    if (value !== undefined) fields.push([name, value]);
  };
  add('Package', def.name);
  if (def.source !== undefined) {
    const version = def.source.version;
    add('Source', version === undefined || version === def.version ? def.source.name : `${def.source.name} (${version})`);
  }
  add('Version', def.version);
  add('Architecture', def.architecture);
  add('Essential', def.essential === true ? 'yes' : undefined);
  add('Protected', def.protected === true ? 'yes' : undefined);
  add('Maintainer', def.maintainer);
  add('Installed-Size', String(installedSize));
  for (const [key, name] of RELATIONSHIP_FIELDS) add(name, relationField(def.relationships?.[key], def.architecture));
  add('Section', def.section);
  add('Priority', def.priority);
  add('Multi-Arch', def.multiArch);
  add('Homepage', def.homepage);
  add('Description', foldDescription(def.description));
  for (const [name, value] of Object.entries(def.extraFields ?? {})) add(name, value);
  return fields;
}

/** DEBIAN/control as text (ends with a newline, which dpkg requires). */
export function controlText(paragraph: Paragraph): string {
  return formatParagraph(paragraph);
}
