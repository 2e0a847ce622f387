// "Did you mean …?": close words are suggested, far ones are not.
import { describe, expect, it } from 'vitest';
import { editDistance, nearest } from '../../../repo-tool/src/model/nearest.js';

describe('editDistance', () => {
  it('counts insertions, deletions and substitutions', () => {
    expect(editDistance('depend', 'depends')).toBe(1);
    expect(editDistance('postinstall', 'postinst')).toBe(3);
    expect(editDistance('conffile', 'conffiles')).toBe(1);
    expect(editDistance('', 'abc')).toBe(3);
    expect(editDistance('same', 'same')).toBe(0);
  });
});

describe('nearest', () => {
  it('suggests the closest known word only when it is close for the word length', () => {
    expect(nearest('postinstall', ['preinst', 'postinst', 'prerm', 'postrm', 'config'])).toBe('postinst');
    expect(nearest('depend', ['preDepends', 'depends', 'recommends'])).toBe('depends');
    expect(nearest('xyzzy', ['preinst', 'postinst', 'prerm', 'postrm', 'config'])).toBeUndefined();
  });
});
