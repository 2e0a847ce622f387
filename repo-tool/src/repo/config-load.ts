// Loads the optional `half-repo.json` from the project root (the file is optional: without it
// the defaults of config.ts apply).
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../model/errors.js';
import { defaultRepoConfig, validateRepoConfig } from './config.js';
import type { RepoConfig } from './config.js';

export const CONFIG_FILE = 'half-repo.json';

export async function loadRepoConfig(root: string): Promise<RepoConfig> {
  const path = join(root, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultRepoConfig;
    throw new ConfigError(`${path}: cannot read it`, { cause: error, hint: 'check its permissions' });
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`, { cause: error, hint: 'fix the syntax; every key is optional' });
  }
  return validateRepoConfig(raw, path);
}
