// SOURCE_DATE_EPOCH (reproducible-builds.org spec): the one timestamp that goes into built
// packages. Read only here, at the edge: from the environment, else the time of the last git
// commit of the checkout, so the same commit gives the same bytes.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { UsageError } from '../model/errors.js';

const run = promisify(execFile);

/** The latest time every format a build writes can hold: OpenPGP signature times are 32-bit (year 2106). */
export const MAX_EPOCH = 2 ** 32 - 1;

export async function resolveSourceDateEpoch(root: string, env: Readonly<Record<string, string | undefined>>): Promise<number> {
  const given = env['SOURCE_DATE_EPOCH'];
  if (given !== undefined && given !== '') {
    if (!/^\d+$/.test(given) || Number(given) > MAX_EPOCH) {
      throw new UsageError(`SOURCE_DATE_EPOCH="${given}" is not a whole number of seconds from 0 to ${MAX_EPOCH}`, { hint: 'e.g. SOURCE_DATE_EPOCH=$(git log -1 --format=%ct)' });
    }
    return Number(given);
  }
  try {
    const { stdout } = await run('git', ['-C', root, 'log', '-1', '--format=%ct'], { timeout: 10_000 });
    const value = Number(stdout.trim());
    if (Number.isInteger(value) && value > 0) return value;
  } catch {
    // not a git checkout (a source tarball): fall through
  }
  throw new UsageError('cannot tell the build time: SOURCE_DATE_EPOCH is unset and this is not a git checkout', {
    hint: 'set SOURCE_DATE_EPOCH (seconds since 1970), e.g. the release date of the source tarball',
  });
}
