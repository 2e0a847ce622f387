// The shape of PackageDefinition (repo-tool/src/model/definition.ts) for check-shape.ts: every
// key of every object of a definition, its type and whether it is required. The mapped types
// below make the compiler hold this list to the interfaces: a key added to, removed from, or made
// required in an interface must be changed here too.
import type { Description, DirectoryEntry, FileEntry, MaintainerScripts, PackageDefinition, Relationships, SymlinkEntry, TreeEntry } from '../model/definition.js';
import type { Member, ObjectShape, Shape } from './check-shape.js';

type Optional = Member & { readonly required?: false };
/** Required keys of T must be marked `required: true`, optional ones must not be. */
type Members<T> = { readonly [K in keyof T]-?: {} extends Pick<T, K> ? Optional : Member & { readonly required: true } };

function object<T>(type: string, members: Members<T>): ObjectShape {
  return { kind: 'object', type, members };
}

const string: Shape = { kind: 'string' };
const boolean: Shape = { kind: 'boolean' };
const content: Shape = { kind: 'content' };
const mode: Optional = { shape: { kind: 'number' }, hint: 'give the permission bits as a number, e.g. 0o644 or 0o755' };
const listOf = (item: Shape): Shape => ({ kind: 'list', item });
const relations: Optional = { shape: listOf(string), hint: 'give one string per relation, e.g. ["foo (>= 1.0)", "bar | baz"]' };
const script: Optional = { shape: content, hint: 'give the script text or { from: "debian/<file>" }' };
const flag: Optional = { shape: boolean, hint: 'write true, or leave the key out for false' };

const relationships = object<Relationships>('Relationships', {
  preDepends: relations, depends: relations, recommends: relations, suggests: relations, enhances: relations,
  breaks: relations, conflicts: relations, provides: relations, replaces: relations, builtUsing: relations,
});

const scripts = object<MaintainerScripts>('MaintainerScripts', { preinst: script, postinst: script, prerm: script, postrm: script, config: script });

const description = object<Description>('Description', {
  synopsis: { shape: string, required: true, hint: 'describe the package in one line' },
  long: { shape: string, hint: 'give the extended description as one string, lines joined with "\\n" (e.g. [...].join("\\n"))' },
});

const file = object<FileEntry>('FileEntry', { path: { shape: string, required: true }, content: { shape: content, required: true }, mode, conffile: flag });
const tree = object<TreeEntry>('TreeEntry', { from: { shape: string, required: true }, to: { shape: string, required: true }, conffiles: { shape: listOf(string) } });
const directory = object<DirectoryEntry>('DirectoryEntry', { path: { shape: string, required: true }, mode });
const symlink = object<SymlinkEntry>('SymlinkEntry', { path: { shape: string, required: true }, target: { shape: string, required: true } });

export const DEFINITION_SHAPE: ObjectShape = object<PackageDefinition>('PackageDefinition', {
  name: { shape: string, required: true, hint: 'give the package name as a string, e.g. "half-syncd"' },
  version: { shape: string, required: true, hint: 'give the version as a string, e.g. "1.5" (a number loses digits: 1.50 is 1.5)' },
  architecture: { shape: string, required: true, hint: 'give "all" or a Debian architecture such as "amd64"' },
  maintainer: { shape: string, required: true, hint: 'give "Full Name <address@example.org>"' },
  description: { shape: description, required: true, hint: 'give { synopsis: "one line", long: "more text" }' },
  section: { shape: string },
  priority: { shape: string },
  homepage: { shape: string },
  source: { shape: object<NonNullable<PackageDefinition['source']>>('source', { name: { shape: string, required: true }, version: { shape: string } }), hint: 'give { name: "source-name", version: "1.0-1" }' },
  multiArch: { shape: string },
  essential: flag,
  protected: flag,
  relationships: { shape: relationships, hint: 'give { depends: ["foo (>= 1.0)", "bar | baz"], … }: one array element per relation' },
  files: { shape: listOf(file), hint: 'give files as an array of { path, content } entries' },
  trees: { shape: listOf(tree), hint: 'give trees as an array of { from, to } entries' },
  directories: { shape: listOf(directory), hint: 'give directories as an array of { path } entries' },
  symlinks: { shape: listOf(symlink), hint: 'give symlinks as an array of { path, target } entries' },
  scripts: { shape: scripts, hint: 'give scripts as { postinst: "#!/bin/sh …", … }' },
  templates: { shape: content, hint: 'give the text or { from: "debian/<file>" }' },
  triggers: { shape: content, hint: 'give the text or { from: "debian/<file>" }' },
  extraFields: { shape: { kind: 'record', value: string }, hint: 'give { "Field-Name": "value" }' },
  suites: { shape: listOf(string), hint: 'give the suites as an array of codenames, e.g. ["bookworm"]' },
  component: { shape: string },
});
