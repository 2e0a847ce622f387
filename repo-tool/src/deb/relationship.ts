// Relationship fields (Debian Policy §7.1, deb-control(5)): a relation is a package name with
// an optional architecture qualifier (`foo:any`), version constraint (`(>= 1.0)`) and
// architecture restriction list (`[amd64 !i386]`); alternatives are joined by `|`. Binary
// control files must not carry restriction lists (dpkg-deb rejects them), so, as
// dpkg-gencontrol does, they are evaluated for the package's architecture and dropped.
import { PACKAGE_NAME } from './package-name.js';
import { parseVersion } from './version.js';
import { architectureMatches } from './architecture.js';

export type RelationOperator = '<<' | '<=' | '=' | '>=' | '>>';

export interface Relation {
  readonly name: string;
  readonly archQualifier?: string;
  readonly version?: { readonly operator: RelationOperator; readonly version: string };
  /** `[a b]` or `[!a !b]` (Policy: all positive or all negated). */
  readonly architectures?: { readonly negated: boolean; readonly list: readonly string[] };
}

/** One comma-separated element: one or more alternatives. */
export type RelationElement = readonly Relation[];

export type ParsedElement = { readonly ok: true; readonly element: RelationElement } | { readonly ok: false; readonly problem: string };

const ARCH_NAME = /^[a-z0-9][a-z0-9-]*$/;
// the version never starts with an operator's character: "(>> )" must not read as ">" and ">"
const RELATION = /^([^\s:([\]<>]+)(?::([^\s([\]]+))?\s*(?:\(\s*([<>=]+)\s*([^\s)<>=][^\s)]*)\s*\))?\s*(?:\[([^\]]*)\])?$/;
const NO_VERSION = /\(\s*([<>=]+)\s*\)/;
const OPERATORS: readonly string[] = ['<<', '<=', '=', '>=', '>>'];

function parseRelation(text: string): { ok: true; relation: Relation } | { ok: false; problem: string } {
  const fail = (problem: string): { ok: false; problem: string } => ({ ok: false, problem });
  const m = RELATION.exec(text);
  if (m === null) {
    const operator = NO_VERSION.exec(text)?.[1];
    if (operator !== undefined) return fail(`"${text}" gives "${operator}" without a version`);
    return fail(`"${text}" is not "name[:arch] [(op version)] [[arch ...]]"`);
  }
  const [, name = '', qualifier, operator, version, archList] = m;
  if (!PACKAGE_NAME.test(name)) return fail(`"${name}" is not a valid package name (Policy §5.6.1)`);
  if (qualifier !== undefined && !ARCH_NAME.test(qualifier)) return fail(`"${qualifier}" in "${text}" is not an architecture qualifier (use ":any" or an architecture name)`);
  let relation: Relation = { name, ...(qualifier === undefined ? {} : { archQualifier: qualifier }) };
  if (operator !== undefined && version !== undefined) {
    if (operator === '<' || operator === '>') return fail(`"${operator}" in "${text}" is obsolete; use "${operator}${operator}" (strictly) or "${operator}=" (or equal)`);
    if (!OPERATORS.includes(operator)) return fail(`"${operator}" in "${text}" is not one of << <= = >= >>`);
    const parsed = parseVersion(version);
    if (!parsed.ok) return fail(`in "${text}": ${parsed.problem}`);
    relation = { ...relation, version: { operator: operator as RelationOperator, version } };
  }
  if (archList !== undefined) {
    const items = archList.trim().split(/\s+/).filter((s) => s !== '');
    if (items.length === 0) return fail(`empty architecture list in "${text}"`);
    const negated = items.map((s) => s.startsWith('!'));
    if (negated.some((n) => n !== negated[0])) return fail(`"[${archList}]" in "${text}" mixes negated and plain architectures`);
    const list = items.map((s) => s.replace(/^!/, ''));
    const bad = list.find((s) => !ARCH_NAME.test(s));
    if (bad !== undefined) return fail(`"${bad}" in "${text}" is not an architecture name or wildcard`);
    relation = { ...relation, architectures: { negated: negated[0] === true, list } };
  }
  return { ok: true, relation };
}

/** Parses one element such as `foo (>= 1) [amd64] | bar:any`. */
export function parseRelationElement(text: string): ParsedElement {
  if (text.trim() === '') return { ok: false, problem: 'an empty relation' };
  if (text.includes(',')) return { ok: false, problem: `"${text}" contains ","; give each relation as its own array element` };
  const relations: Relation[] = [];
  for (const alternative of text.split('|')) {
    const parsed = parseRelation(alternative.trim());
    if (!parsed.ok) return parsed;
    relations.push(parsed.relation);
  }
  return { ok: true, element: relations };
}

/** The relationship fields of a binary control file (deb-control(5)). */
export const BINARY_RELATION_FIELDS = ['Pre-Depends', 'Depends', 'Recommends', 'Suggests', 'Enhances', 'Breaks', 'Conflicts', 'Replaces', 'Provides', 'Built-Using', 'Static-Built-Using'] as const;

/**
 * Checks a relationship field as a binary control file has it (as dpkg parses it): elements
 * separated by commas, none empty, without architecture restriction lists. Returns the first
 * problem, or undefined.
 */
export function binaryRelationFieldProblem(value: string): string | undefined {
  for (const text of value.replace(/\s+/g, ' ').split(',')) {
    if (text.trim() === '') return 'an empty element (two commas in a row, or a comma at an end)';
    const parsed = parseRelationElement(text.trim());
    if (!parsed.ok) return parsed.problem;
    if (parsed.element.some((r) => r.architectures !== undefined)) return `"${text.trim()}" has an architecture restriction list, which only source packages may carry`;
  }
  return undefined;
}

export function formatRelation(relation: Relation): string {
  let out = relation.name;
  if (relation.archQualifier !== undefined) out += `:${relation.archQualifier}`;
  if (relation.version !== undefined) out += ` (${relation.version.operator} ${relation.version.version})`;
  if (relation.architectures !== undefined) {
    const bang = relation.architectures.negated ? '!' : '';
    out += ` [${relation.architectures.list.map((a) => bang + a).join(' ')}]`;
  }
  return out;
}

/** Joins elements as a field value: `a | b, c (>= 1)`. */
export function formatRelationField(elements: readonly RelationElement[]): string {
  return elements.map((element) => element.map(formatRelation).join(' | ')).join(', ');
}

/**
 * Keeps the alternatives whose restriction list admits `architecture` (and strips the lists);
 * an element left without alternatives is dropped, as dpkg-gencontrol does.
 */
export function reduceForArchitecture(elements: readonly RelationElement[], architecture: string): RelationElement[] {
  const out: RelationElement[] = [];
  for (const element of elements) {
    const kept: Relation[] = [];
    for (const relation of element) {
      const restriction = relation.architectures;
      if (restriction !== undefined) {
        const hit = restriction.list.some((wildcard) => architectureMatches(architecture, wildcard));
        if (hit === restriction.negated) continue;
      }
      const { architectures: _dropped, ...rest } = relation;
      kept.push(rest);
    }
    if (kept.length > 0) out.push(kept);
  }
  return out;
}
