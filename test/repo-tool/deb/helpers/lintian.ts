// Runs the real lintian on .deb files and returns the error and warning tags per package.
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface LintianTag {
  readonly severity: 'E' | 'W';
  readonly package: string;
  readonly tag: string;
  readonly line: string;
}

/** Lintian's errors and warnings for the given packages (file name → bytes): .debs, and .dscs
 *  with the files they list beside them (those are written, not linted on their own). */
export async function lintian(debs: ReadonlyMap<string, Uint8Array>): Promise<LintianTag[]> {
  const dir = await mkdtemp(join(tmpdir(), 'half-lintian-'));
  try {
    const paths: string[] = [];
    for (const [name, bytes] of debs) {
      const path = join(dir, name);
      await writeFile(path, bytes);
      if (/\.(deb|dsc)$/.test(name)) paths.push(path);
    }
    // lintian exits non-zero when it reports errors (2 here with its default --fail-on); a run
    // that printed no tag at all is a real failure.
    // lintian leaves its own temporary files (mldbm-elf-*) in TMPDIR: this directory, removed below
    const result = await run('lintian', ['--tag-display-limit', '0', ...paths], { maxBuffer: 64 * 1024 * 1024, env: { ...process.env, TMPDIR: dir } }).catch((error: { stdout?: string; stderr?: string; code?: number }) => {
      if ((error.code === 1 || error.code === 2) && /^E: /m.test(error.stdout ?? '')) return { stdout: error.stdout ?? '', stderr: error.stderr ?? '' };
      throw error;
    });
    const tags: LintianTag[] = [];
    for (const line of result.stdout.split('\n')) {
      const m = /^([EW]): ([^:\s]+)(?: [a-z]+)?: (\S+)/.exec(line);
      if (m !== null) tags.push({ severity: m[1] as 'E' | 'W', package: m[2] as string, tag: m[3] as string, line });
    }
    return tags;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
