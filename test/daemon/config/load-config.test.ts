// loadHalfConf reads a real file and validates it; unreadable files get the same typed error.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HalfConfError } from '../../../daemon/src/config/config-error.js';
import { loadHalfConf } from '../../../daemon/src/config/load-config.js';
import { MINIMAL } from './fixtures/problems.js';

describe('loadHalfConf', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-conf-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads and validates a file, naming it as the source', async () => {
    const path = join(dir, 'half.conf');
    await writeFile(path, MINIMAL);
    const config = await loadHalfConf(path);
    expect(config.source).toBe(path);
    expect(config.node.id).toBe(1);
  });

  it('reports problems with the file path and line', async () => {
    const path = join(dir, 'bad.conf');
    await writeFile(path, MINIMAL.replace('id = 1', 'id = one'));
    const error = await loadHalfConf(path).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HalfConfError);
    expect((error as HalfConfError).message).toContain(`${path}:2: node.id: "one" is not a whole number from 1 to 65535`);
  });

  it('says what to do when the file is missing or is a directory', async () => {
    const missing = await loadHalfConf(join(dir, 'nope.conf')).catch((e: unknown) => e);
    expect((missing as HalfConfError).problems).toEqual([
      { file: join(dir, 'nope.conf'), message: 'does not exist', fix: 'create it as half.conf(5) describes' },
    ]);
    const directory = await loadHalfConf(dir).catch((e: unknown) => e);
    expect((directory as HalfConfError).problems[0]?.message).toBe('cannot be read (EISDIR)');
  });

  it('refuses bytes that are not UTF-8, naming the line, instead of reading them as U+FFFD', async () => {
    const path = join(dir, 'latin1.conf');
    // key-file = /etc/half/clé.key written in Latin-1: é is the single byte 0xE9
    const text = MINIMAL.replace('peers = 203.0.113.2', 'peers = 203.0.113.2\nkey-file = /etc/half/cl\u00e9.key');
    await writeFile(path, Buffer.from(text, 'latin1'));
    const error = await loadHalfConf(path).catch((e: unknown) => e);
    expect((error as HalfConfError).problems).toEqual([
      { file: path, line: 8, message: 'has bytes that are not UTF-8', fix: 'save half.conf as UTF-8 (e.g. iconv -f latin1 -t utf-8), or write that line in ASCII' },
    ]);
    // the same text in UTF-8, after a byte order mark, loads
    await writeFile(path, `\uFEFF${text}`);
    expect((await loadHalfConf(path)).sync.keyFile).toBe('/etc/half/cl\u00e9.key');
  });
});
