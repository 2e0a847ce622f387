// Relationship fields: parsing (Policy §7.1), normalised formatting, and the reduction of
// architecture restrictions that dpkg-gencontrol performs (checked in control.test.ts too).
import { describe, expect, it } from 'vitest';
import { formatRelationField, parseRelationElement, reduceForArchitecture, type RelationElement } from '../../../repo-tool/src/deb/relationship.js';

function element(text: string): RelationElement {
  const parsed = parseRelationElement(text);
  if (!parsed.ok) throw new Error(parsed.problem);
  return parsed.element;
}

describe('parseRelationElement', () => {
  it('reads names, qualifiers, versions, restriction lists and alternatives', () => {
    expect(element('libc6 (>= 2.36) [amd64 arm64] | musl:any')).toEqual([
      { name: 'libc6', version: { operator: '>=', version: '2.36' }, architectures: { negated: false, list: ['amd64', 'arm64'] } },
      { name: 'musl', archQualifier: 'any' },
    ]);
    expect(element('foo(<<1:2.0~rc1-1)[!i386]')).toEqual([{ name: 'foo', version: { operator: '<<', version: '1:2.0~rc1-1' }, architectures: { negated: true, list: ['i386'] } }]);
  });

  const bad: [string, RegExp][] = [
    ['', /empty/],
    ['foo, bar', /contains ","/],
    ['Foo', /not a valid package name/],
    ['foo (> 1)', /obsolete; use ">>"/],
    ['foo (< 1)', /obsolete; use "<<"/],
    ['foo (=> 1)', /not one of << <= = >= >>/],
    // the operator's second character once read as the version, and the message called ">" obsolete
    ['foo (>> )', /"foo \(>> \)" gives ">>" without a version/],
    ['foo (>=)', /gives ">=" without a version/],
    ['foo (<< )', /gives "<<" without a version/],
    ['foo (>= x1)', /must start with a digit/],
    ['foo [amd64 !i386]', /mixes negated and plain/],
    ['foo []', /empty architecture list/],
    ['foo <!nocheck>', /is not "name/],
    ['foo |', /is not "name/],
  ];
  for (const [text, problem] of bad) {
    it(`rejects ${JSON.stringify(text)}`, () => {
      const parsed = parseRelationElement(text);
      expect(parsed.ok).toBe(false);
      if (!parsed.ok) expect(parsed.problem).toMatch(problem);
    });
  }
});

describe('formatRelationField', () => {
  it('normalises spacing: "aa (>= 1) | bb, cc"', () => {
    expect(formatRelationField([element('aa(>=1)|bb'), element(' cc ')])).toBe('aa (>= 1) | bb, cc');
  });
});

describe('reduceForArchitecture', () => {
  const elements = ['libc6 [amd64]', 'libfoo [!amd64]', 'xx [i386] | yy [linux-any]', 'zz [any-arm] | ww'].map(element);
  it('keeps the matching alternatives without their lists, drops emptied elements', () => {
    expect(formatRelationField(reduceForArchitecture(elements, 'amd64'))).toBe('libc6, yy, ww');
    expect(formatRelationField(reduceForArchitecture(elements, 'armhf'))).toBe('libfoo, yy, zz | ww');
    expect(formatRelationField(reduceForArchitecture(elements, 'hurd-i386'))).toBe('libfoo, ww');
    expect(formatRelationField(reduceForArchitecture(elements, 'i386'))).toBe('libfoo, xx | yy, ww');
  });
});
