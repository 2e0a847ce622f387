// keySourcesFromEnvironment: --key options, then the environment, then the development key.
import { describe, expect, it } from 'vitest';
import { describeSource, keySourcesFromEnvironment } from '../../../repo-tool/src/sign/key-sources.js';

describe('keySourcesFromEnvironment', () => {
  it('prefers --key files (in order) over the environment', () => {
    const env = { HALF_SIGNING_KEY: 'armored', HALF_SIGNING_KEY_FILE: '/e.asc' };
    expect(keySourcesFromEnvironment(env, { keyFiles: ['/b.asc', '/a.asc'] })).toEqual({
      kind: 'options',
      sources: [{ file: '/b.asc' }, { file: '/a.asc' }],
    });
  });

  it('uses HALF_SIGNING_KEY and the colon-separated HALF_SIGNING_KEY_FILE, skipping empty parts', () => {
    expect(keySourcesFromEnvironment({ HALF_SIGNING_KEY: 'armored' })).toEqual({ kind: 'environment', sources: [{ env: 'HALF_SIGNING_KEY' }] });
    expect(keySourcesFromEnvironment({ HALF_SIGNING_KEY_FILE: '/k/new.asc::/k/old.asc:' })).toEqual({
      kind: 'environment',
      sources: [{ file: '/k/new.asc' }, { file: '/k/old.asc' }],
    });
    expect(keySourcesFromEnvironment({ HALF_SIGNING_KEY: 'armored', HALF_SIGNING_KEY_FILE: '/k.asc' }, { keyFiles: [] })).toEqual({
      kind: 'environment',
      sources: [{ env: 'HALF_SIGNING_KEY' }, { file: '/k.asc' }],
    });
  });

  it('falls back to the development key when nothing is set (empty values count as unset)', () => {
    expect(keySourcesFromEnvironment({})).toEqual({ kind: 'development' });
    expect(keySourcesFromEnvironment({ HALF_SIGNING_KEY: '  \n', HALF_SIGNING_KEY_FILE: '' }, { keyFiles: [''] })).toEqual({ kind: 'development' });
  });
});

describe('describeSource', () => {
  it('names files and variables for messages', () => {
    expect(describeSource({ file: '/k.asc' })).toBe('key file "/k.asc"');
    expect(describeSource({ env: 'HALF_SIGNING_KEY' })).toBe('environment variable HALF_SIGNING_KEY');
  });
});
