// Reads /etc/half/half.conf (or another path) and validates it: the only I/O of the config
// layer besides the cluster key. Everything it returns has passed validateHalfConf.
import { readFile } from 'node:fs/promises';
import { HalfConfError } from './config-error.js';
import { DEFAULT_CONFIG_PATH, type HalfConfig } from './half-conf.js';
import { validateHalfConf, type ValidateOptions } from './validate.js';

/** Loads and validates the config. Throws HalfConfError (all problems at once). */
export async function loadHalfConf(path: string = DEFAULT_CONFIG_PATH, options: ValidateOptions = {}): Promise<HalfConfig> {
  let bytes: Uint8Array;
  try {
    bytes = await readFile(path);
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
  return validateHalfConf(decodeHalfConf(bytes, path), path, options);
}

/**
 * half.conf's bytes as text. Strict: a lenient decoder puts U+FFFD in place of bytes that are not
 * UTF-8 (a key-file path written in Latin-1, say) and the value silently names another file.
 * A byte order mark stays in the text (ini.ts skips it), as with readFile(path, 'utf8').
 * Throws HalfConfError naming the first line that is not UTF-8.
 */
export function decodeHalfConf(bytes: Uint8Array, path: string): string {
  const decoder = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
  try {
    return decoder.decode(bytes);
  } catch {
    // the first line that does not decode on its own (a line feed is never inside a UTF-8 sequence)
    let line = 1;
    let start = 0;
    for (;;) {
      const end = bytes.indexOf(0x0a, start);
      const piece = bytes.subarray(start, end === -1 ? bytes.length : end);
      try {
        decoder.decode(piece);
      } catch {
        break;
      }
      if (end === -1) break;
      line++;
      start = end + 1;
    }
    throw new HalfConfError([
      { file: path, line, message: 'has bytes that are not UTF-8', fix: 'save half.conf as UTF-8 (e.g. iconv -f latin1 -t utf-8), or write that line in ASCII' },
    ]);
  }
}
