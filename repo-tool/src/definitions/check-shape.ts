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

/** A part of a definition whose shape is wrong: left out of the usable copy. */
const BROKEN: unique symbol = Symbol('broken');

export interface ShapeCheck {
  /** Top-level keys that are missing though required, or whose value is unusable (mistyped, or a required part of it is): the value checks reading them must skip. */
  readonly broken: ReadonlySet<string>;
  /**
   * A copy of the definition holding only what has the right shape, for the value checks: an
   * optional value of the wrong type and an unknown key are left out, an object missing a
   * required part is left out whole, and a list or record keeps its usable items (a list keeps
   * their indexes, with holes where the others were: forEach skips them), so one mistyped entry
   * does not hide the value problems of the others until it is fixed.
   */
  readonly usable: Readonly<Record<string, unknown>>;
}

/**
 * Checks `value` against the object shape `root`, adding a problem for every unknown key, missing
 * required key and value of the wrong type.
 */
export function checkShape(value: Readonly<Record<string, unknown>>, root: ObjectShape, p: ProblemList): ShapeCheck {
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

  const wrongType = (value: unknown, shape: Shape, field: string, hint: string | undefined): typeof BROKEN => {
    p.add(field, `is ${describeValue(value)}, not ${expected(shape)}`, hint ?? `give ${expected(shape)}`);
    return BROKEN;
  };

  /** The usable copy of an object, and whether a required member is missing or unusable. */
  const walkMembers = (value: Readonly<Record<string, unknown>>, shape: ObjectShape, field: string, broken?: Set<string>): { usable: Record<string, unknown>; whole: boolean } => {
    const usable: Record<string, unknown> = {};
    let whole = true;
    for (const [key, member] of Object.entries(shape.members)) {
      const item = value[key];
      let walked: unknown = BROKEN;
      if (item === undefined) {
        if (member.required === true) p.add(child(field, key), 'is missing', member.hint ?? `give ${expected(member.shape)}`);
        else continue;
      } else walked = walk(item, member.shape, child(field, key), member.hint);
      if (walked !== BROKEN) usable[key] = walked;
      else {
        broken?.add(key);
        if (member.required === true) whole = false;
      }
    }
    for (const key of Object.keys(value)) if (!Object.hasOwn(shape.members, key)) unknownKey(key, shape, field);
    return { usable, whole };
  };

  const walkObject = (value: Readonly<Record<string, unknown>>, shape: ObjectShape, field: string): unknown => {
    const { usable, whole } = walkMembers(value, shape, field);
    return whole ? usable : BROKEN;
  };

  const walk = (value: unknown, shape: Shape, field: string, hint: string | undefined): unknown => {
    switch (shape.kind) {
      case 'string':
      case 'boolean':
        return typeof value === shape.kind ? value : wrongType(value, shape, field, hint);
      case 'number':
        return typeof value === 'number' && Number.isFinite(value) ? value : wrongType(value, shape, field, hint);
      case 'content':
        if (typeof value === 'string' || value instanceof Uint8Array) return value;
        return isObject(value) ? walkObject(value, FROM, field) : wrongType(value, shape, field, hint);
      case 'list': {
        if (!Array.isArray(value)) return wrongType(value, shape, field, hint);
        const usable: unknown[] = new Array<unknown>(value.length);
        value.forEach((item: unknown, i) => {
          const walked = walk(item, shape.item, `${field}[${i}]`, undefined);
          if (walked !== BROKEN) usable[i] = walked;
        });
        return usable;
      }
      case 'record': {
        if (!isObject(value)) return wrongType(value, shape, field, hint);
        const usable: Record<string, unknown> = {};
        for (const [key, item] of Object.entries(value)) {
          const walked = walk(item, shape.value, `${field}["${key}"]`, undefined);
          if (walked !== BROKEN) usable[key] = walked;
        }
        return usable;
      }
      case 'object':
        return isObject(value) ? walkObject(value, shape, field) : wrongType(value, shape, field, hint);
    }
  };

  const broken = new Set<string>();
  const { usable } = walkMembers(value, root, '', broken);
  return { broken, usable };
}
