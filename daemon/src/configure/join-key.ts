// Where `half join` takes the cluster key from. `--key HEX` puts the key in the command line,
// which every local user reads in ps(1) and /proc/PID/cmdline while the command runs; `--key -`
// (standard input) and `--key-file FILE` do not. The text is what the answer carries: the key
// file's format works as it is (parseClusterKey skips its `#` lines).
import { readFile } from 'node:fs/promises';
import { UsageError } from '../../../repo-tool/src/model/errors.js';
import type { CommandIo } from './cli-io.js';

const HINT = 'copy the whole `half join …` line the first node printed (`half configure --print-join` there)';

export interface JoinKeyOptions {
  readonly key?: string | undefined;
  readonly 'key-file'?: string | undefined;
}

/** Which option gave the key, for messages (`--key`, `--key -`, `--key-file FILE`). */
export function keySource(options: JoinKeyOptions): string {
  if (options['key-file'] !== undefined) return `--key-file ${options['key-file']}`;
  return options.key === '-' ? '--key - (standard input)' : '--key';
}

/** The key answer's text; undefined when no key option was given. */
export async function readJoinKey(options: JoinKeyOptions, io: CommandIo): Promise<string | undefined> {
  const file = options['key-file'];
  if (options.key !== undefined && file !== undefined) throw new UsageError('give the cluster key once: --key or --key-file, not both', { hint: HINT });
  if (file !== undefined) {
    try {
      return await readFile(file, 'utf8');
    } catch (error) {
      const e = error as NodeJS.ErrnoException;
      throw new UsageError(`cannot read the cluster key from --key-file ${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, {
        hint: 'copy /etc/half/cluster.key from the first node over a trusted channel (mode 0600), or pass the key on standard input with --key -',
        cause: error,
      });
    }
  }
  if (options.key === '-') return io.readStdin();
  if (options.key !== undefined) {
    io.err('half join: note: --key HEX shows the cluster key to every local user (ps) while half join runs; next time pass it on standard input (--key -) or in a file (--key-file FILE)\n');
  }
  return options.key;
}
