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
});
