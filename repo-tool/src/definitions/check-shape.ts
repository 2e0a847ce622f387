// The shape of a definition, checked before its values: every object holds only the keys its
// type declares (a misspelt key would otherwise be ignored without a word), every value has the
// type the definition's interface gives it (a module written without the types, or cast, can put
// anything anywhere, and the checks and writers after this one would crash on it). The shapes
// themselves are in definition-shape.ts.
import { editDistance, nearest } from '../model/nearest.js';
import type { ProblemList } from './problems.js';

export type Shape =
  | { readonly kind: 'string' | 'number' | 'boolean' }
  /** Content: a string, bytes, or { from }. */
  | { readonly kind: 'content' }
  | { readonly kind: 'list'; readonly item: Shape }
  /** An object with any keys, each value of one shape (extraFields). */
  | { readonly kind: 'record'; readonly value: Shape }
  | ObjectShape;

export interface ObjectShape {
  readonly kind: 'object';
  /** The type's name in repo-tool/src/model/definition.ts, for messages. */
  readonly type: string;
  readonly members: Readonly<Record<string, Member>>;
}

export interface Member {
  readonly shape: Shape;
  readonly required?: boolean;
  /** The fix shown when the value is missing or of the wrong type. */
  readonly hint?: string;
}

const FROM: ObjectShape = { kind: 'object', type: '{ from }', members: { from: { shape: { kind: 'string' }, required: true } } };

function isObject(value: unknown): value is Readonly<Record<string, unknown>> {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && !(value instanceof Uint8Array);
}

function expected(shape: Shape): string {
  switch (shape.kind) {
    case 'string': return 'a string';
    case 'number': return 'a number';
    case 'boolean': return 'a boolean (true or false)';
    case 'content': return 'a string, bytes (Uint8Array) or { from: "<path>" }';
    case 'list': return `an array of ${shape.item.kind === 'object' ? `${shape.item.type} objects` : `${shape.item.kind}s`}`;
    case 'record': return `an object whose values are ${shape.value.kind}s`;
    case 'object': return `an object (${shape.type})`;
  }
}

/** What a value is, for "is X, not Y" (strings shortened, quoted and escaped). */
export function describeValue(value: unknown): string {
  if (value === null) return 'null';
  if (value === undefined) return 'undefined';
  if (Array.isArray(value)) return 'an array';
  if (value instanceof Uint8Array) return 'bytes';
  if (typeof value === 'string') return `a string (${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)})`;
  if (typeof value === 'number' || typeof value === 'boolean') return `a ${typeof value} (${String(value)})`;
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

const child = (field: string, key: string): string => (field === '' ? key : `${field}.${key}`);

/** For finding a key written at the wrong level: `Pre-Depends` there is `preDepends` here. */
const fold = (key: string): string => key.toLowerCase().replace(/[-_]/g, '');

/** Every key declared anywhere below `shape`, with its path (`relationships.depends`, `trees[].conffiles`). */
function declaredKeys(shape: Shape, path: string): (readonly [string, string])[] {
  if (shape.kind === 'list') return declaredKeys(shape.item, `${path}[]`);
  if (shape.kind !== 'object') return [];
  return Object.entries(shape.members).flatMap(([key, member]) => [[key, child(path, key)] as const, ...declaredKeys(member.shape, child(path, key))]);
}

/**
 * Checks `value` against the object shape `root`, adding a problem for every unknown key, missing
 * required key and value of the wrong type. Returns the top-level keys whose value has a missing
 * or mistyped part (unknown keys alone do not count): the value checks must skip those.
 */
export function checkShape(value: Readonly<Record<string, unknown>>, root: ObjectShape, p: ProblemList): ReadonlySet<string> {
  const elsewhere = declaredKeys(root, '');

  const unknownKey = (key: string, shape: ObjectShape, field: string): void => {
    const here = Object.keys(shape.members);
    const guess = nearest(key, here);
    // the same key (give or take case, "-" and "_", or one letter) declared in another object
    const others = elsewhere
      .map(([k, path]) => [editDistance(fold(key), fold(k)), path] as const)
      .filter(([distance]) => distance <= 1)
      .sort((a, b) => a[0] - b[0])
      .map(([, path]) => path);
    const fix = guess !== undefined ? `did you mean ${child(field, guess)}?` : others.length > 0 ? `did you mean ${others.join(' or ')}?` : `remove it (${shape.type} takes ${here.join(', ')})`;
    p.add(child(field, key), `${JSON.stringify(key)} is not a key of ${shape.type}, so it would be ignored`, fix);
  };

  const wrongType = (value: unknown, shape: Shape, field: string, hint: string | undefined): false => {
    p.add(field, `is ${describeValue(value)}, not ${expected(shape)}`, hint ?? `give ${expected(shape)}`);
    return false;
  };

  const walkObject = (value: Readonly<Record<string, unknown>>, shape: ObjectShape, field: string, onMember?: (key: string, ok: boolean) => void): boolean => {
    let ok = true;
    for (const [key, member] of Object.entries(shape.members)) {
      const item = value[key];
      let memberOk = true;
      if (item === undefined) {
        if (member.required === true) {
          p.add(child(field, key), 'is missing', member.hint ?? `give ${expected(member.shape)}`);
          memberOk = false;
        }
      } else memberOk = walk(item, member.shape, child(field, key), member.hint);
      onMember?.(key, memberOk);
      ok &&= memberOk;
    }
    for (const key of Object.keys(value)) if (!Object.hasOwn(shape.members, key)) unknownKey(key, shape, field);
    return ok;
  };

  const walk = (value: unknown, shape: Shape, field: string, hint: string | undefined): boolean => {
    switch (shape.kind) {
      case 'string':
      case 'boolean':
        return typeof value === shape.kind || wrongType(value, shape, field, hint);
      case 'number':
        return (typeof value === 'number' && Number.isFinite(value)) || wrongType(value, shape, field, hint);
      case 'content':
        if (typeof value === 'string' || value instanceof Uint8Array) return true;
        return isObject(value) ? walkObject(value, FROM, field) : wrongType(value, shape, field, hint);
      case 'list':
        if (!Array.isArray(value)) return wrongType(value, shape, field, hint);
        return value.map((item: unknown, i) => walk(item, shape.item, `${field}[${i}]`, undefined)).every(Boolean);
      case 'record':
        if (!isObject(value)) return wrongType(value, shape, field, hint);
        return Object.entries(value).map(([key, item]) => walk(item, shape.value, `${field}["${key}"]`, undefined)).every(Boolean);
      case 'object':
        return isObject(value) ? walkObject(value, shape, field) : wrongType(value, shape, field, hint);
    }
  };

  const malformed = new Set<string>();
  walkObject(value, root, '', (key, ok) => {
    if (!ok) malformed.add(key);
  });
  return malformed;
}
