// Reads /etc/half/half.conf (or another path) and validates it: the only I/O of the config
// layer besides the cluster key. Everything it returns has passed validateHalfConf.
import { readFile } from 'node:fs/promises';
import { HalfConfError } from './config-error.js';
import { DEFAULT_CONFIG_PATH, type HalfConfig } from './half-conf.js';
import { validateHalfConf, type ValidateOptions } from './validate.js';

/** Loads and validates the config. Throws HalfConfError (all problems at once). */
export async function loadHalfConf(path: string = DEFAULT_CONFIG_PATH, options: ValidateOptions = {}): Promise<HalfConfig> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new HalfConfError([
      {
        file: path,
        message: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`,
        fix: code === 'ENOENT' ? 'create it as half.conf(5) describes' : 'make it a readable file owned by root',
      },
    ]);
  }
  return validateHalfConf(text, path, options);
}
