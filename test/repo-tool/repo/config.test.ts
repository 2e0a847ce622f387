import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { defaultRepoConfig, validateRepoConfig } from '../../../repo-tool/src/repo/config.js';
import { loadRepoConfig } from '../../../repo-tool/src/repo/config-load.js';
import { makeTempDir, removeTempDir } from './helpers/tmp.js';

describe('repository configuration', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('config');
  });
  afterAll(async () => removeTempDir(dir));

  it('defaults to bookworm/oldstable and trixie/stable, component half, amd64 + all, two days of retention', async () => {
    const config = await loadRepoConfig(dir);
    expect(config).toBe(defaultRepoConfig);
    expect(config.suites).toEqual([
      { codename: 'bookworm', suite: 'oldstable', version: '12' },
      { codename: 'trixie', suite: 'stable', version: '13' },
    ]);
    expect(config.components).toEqual(['half']);
    expect(config.architectures).toEqual(['amd64', 'all']);
    expect(config.byHashRetention).toBe(172800);
    expect(config.validFor).toBeNull();
  });

  it('merges half-repo.json over the defaults', async () => {
    await writeFile(join(dir, 'half-repo.json'), JSON.stringify({ architectures: ['amd64', 'arm64', 'all'], validFor: 604800, keepVersions: 5 }));
    const config = await loadRepoConfig(dir);
    expect(config.architectures).toEqual(['amd64', 'arm64', 'all']);
    expect(config.validFor).toBe(604800);
    expect(config.keepVersions).toBe(5);
    expect(config.suites).toEqual(defaultRepoConfig.suites);
  });

  it('names every bad key in one error', () => {
    const attempt = () =>
      validateRepoConfig(
        { suites: [{ codename: 'trixie', suite: 'stable' }, { codename: 'Bad Name', suite: 'stable' }], validFor: -1, keepVersions: 0, architecture: ['amd64'] },
        'half-repo.json',
      );
    expect(attempt).toThrow(ConfigError);
    try {
      attempt();
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('"suites[1].codename" must be a lowercase name');
      expect(message).toContain('"suites[1]" reuses the name "stable" of "suites[0]"');
      expect(message).toContain('"validFor" must be a whole number of seconds');
      expect(message).toContain('"keepVersions" must be a whole number, at least 1');
      expect(message).toContain('"architecture" is not a setting');
    }
    expect(() => validateRepoConfig({ architectures: ['all'] }, 'x.json')).toThrow(/at least one real architecture/);
    expect(() => validateRepoConfig({ validFor: 'none' }, 'x.json')).not.toThrow();
  });

  it('refuses an origin or label with surrounding spaces, which InRelease would lose and Release keep', () => {
    expect(() => validateRepoConfig({ origin: 'HALF ' }, 'x.json')).toThrow('x.json: "origin" must not start or end with a space');
    expect(() => validateRepoConfig({ label: ' HALF' }, 'x.json')).toThrow('x.json: "label" must not start or end with a space');
    expect(() => validateRepoConfig({ description: 'two\rlines' }, 'x.json')).toThrow('"description" must be a non-empty single-line string');
    expect(validateRepoConfig({ origin: 'HALF project' }, 'x.json').origin).toBe('HALF project');
  });

  it('reports JSON syntax errors with the file name', async () => {
    await writeFile(join(dir, 'half-repo.json'), '{"origin": ');
    await expect(loadRepoConfig(dir)).rejects.toThrow(/half-repo\.json: not valid JSON/);
  });
});
