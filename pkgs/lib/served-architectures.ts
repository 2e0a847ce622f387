// The binary architectures the repository serves (`architectures` of half-repo.json in the
// checkout, else half-repo's default layout: amd64 and all). A definition that can build for
// several architectures builds only those the repository publishes: half-repo refuses a package
// whose architecture has no binary-<arch> index, so an arm64 half-syncd in a repository
// configured for amd64 alone would fail `half-repo build` with no configuration at all.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CONFIG_FILE } from '../../repo-tool/src/repo/config-load.js';
import { defaultRepoConfig, validateRepoConfig } from '../../repo-tool/src/repo/config.js';
import { ConfigError } from '../../repo-tool/src/model/errors.js';

/** `architectures` of `<root>/half-repo.json` (validated like half-repo does), else the default. */
export function servedArchitectures(root: string): readonly string[] {
  const path = join(root, CONFIG_FILE);
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return defaultRepoConfig.architectures;
    throw error;
  }
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    throw new ConfigError(`${path}: not valid JSON (${(error as Error).message})`, { cause: error, hint: 'fix the syntax; every key is optional' });
  }
  return validateRepoConfig(raw, path).architectures;
}
