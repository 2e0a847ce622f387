// Relationship fields of a definition (Debian Policy §7.1-§7.6): each element must parse;
// Conflicts, Breaks, Replaces and Provides take no alternatives (§7.1: "union" fields);
// Provides only `=` versions (§7.5); Built-Using only `name (= version)` (§7.8); architecture
// restriction lists only on architecture-specific packages (they are evaluated for the
// package's own architecture, which `all` does not have).
import type { PackageDefinition, Relationships } from '../model/definition.js';
import { parseRelationElement } from '../deb/relationship.js';
import type { ProblemList } from './problems.js';

const NO_ALTERNATIVES: ReadonlySet<keyof Relationships> = new Set(['conflicts', 'breaks', 'replaces', 'provides', 'builtUsing']);

export function checkRelationships(def: PackageDefinition, p: ProblemList, fields: readonly (readonly [keyof Relationships, string])[]): void {
  for (const [key, fieldName] of fields) {
    const values = def.relationships?.[key];
    if (values === undefined) continue;
    if (!Array.isArray(values)) {
      p.add(`relationships.${key}`, 'is not an array of strings', `give one string per relation, e.g. ["foo (>= 1.0)", "bar | baz"]`);
      continue;
    }
    values.forEach((text: unknown, i) => {
      const field = `relationships.${key}[${i}]`;
      if (typeof text !== 'string') return p.add(field, 'is not a string', 'give the relation as text, e.g. "foo (>= 1.0)"');
      const parsed = parseRelationElement(text);
      if (!parsed.ok) return p.add(field, parsed.problem, `write "name[:any] [(op version)] [[arch ...]]", alternatives joined by " | " (Policy §7.1, ${fieldName})`);
      const element = parsed.element;
      if (element.length > 1 && NO_ALTERNATIVES.has(key)) p.add(field, `${fieldName} does not allow alternatives ("|")`, 'list each package as its own element');
      for (const relation of element) {
        if (key === 'provides' && relation.version !== undefined && relation.version.operator !== '=') {
          p.add(field, `Provides only allows "=" versions, not "${relation.version.operator}"`, 'write "name (= version)" (Policy §7.5)');
        }
        if (key === 'provides' && relation.archQualifier !== undefined) p.add(field, 'Provides does not take an architecture qualifier', `drop ":${relation.archQualifier}"`);
        if (key === 'builtUsing' && relation.version?.operator !== '=') p.add(field, 'Built-Using needs an exact source version', 'write "source (= version)" (Policy §7.8)');
        if (relation.architectures !== undefined && def.architecture === 'all') {
          p.add(field, `"${text}" restricts architectures but the package is architecture "all"`, 'drop the [..] list or make the package architecture-specific');
        }
      }
    });
  }
}
