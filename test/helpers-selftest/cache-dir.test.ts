import { homedir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { halfCacheRoot } from '../helpers/cache-dir.js';

const saved = process.env['XDG_CACHE_HOME'];
afterEach(() => {
  if (saved === undefined) delete process.env['XDG_CACHE_HOME'];
  else process.env['XDG_CACHE_HOME'] = saved;
});

describe('halfCacheRoot', () => {
  it('follows XDG_CACHE_HOME, else ~/.cache', () => {
    process.env['XDG_CACHE_HOME'] = '/var/tmp/xdg';
    expect(halfCacheRoot()).toBe('/var/tmp/xdg/half');
    process.env['XDG_CACHE_HOME'] = '';
    expect(halfCacheRoot()).toBe(join(homedir(), '.cache/half'));
    delete process.env['XDG_CACHE_HOME'];
    expect(halfCacheRoot()).toBe(join(homedir(), '.cache/half'));
  });
});
