// Tiny real source packages (format 3.0 (native)) made with `dpkg-source -b`.
import { execFile } from 'node:child_process';
import { chmod, mkdir, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);

export interface MadeSource {
  readonly dir: string;
  readonly dscName: string;
  /** Every file dpkg-source wrote (the .dsc and its tarball). */
  readonly fileNames: readonly string[];
}

/** Makes `name_version.dsc` + `name_version.tar.xz` in `outDir`. */
export async function makeNativeSource(outDir: string, name: string, version: string): Promise<MadeSource> {
  const tree = join(outDir, `${name}-${version}`);
  await mkdir(join(tree, 'debian', 'source'), { recursive: true });
  await writeFile(join(tree, 'debian', 'source', 'format'), '3.0 (native)\n');
  await writeFile(
    join(tree, 'debian', 'control'),
    `Source: ${name}\nSection: net\nPriority: optional\nMaintainer: HALF Test <half-test@example.org>\n` +
      `Build-Depends: debhelper-compat (= 13)\nStandards-Version: 4.6.2\nHomepage: https://example.org/${name}\n\n` +
      `Package: ${name}\nArchitecture: all\nDescription: test source ${name}\n made for a test\n`,
  );
  await writeFile(
    join(tree, 'debian', 'changelog'),
    `${name} (${version}) unstable; urgency=medium\n\n  * Test.\n\n -- HALF Test <half-test@example.org>  Thu, 01 Jan 2026 00:00:00 +0000\n`,
  );
  await writeFile(join(tree, 'debian', 'rules'), '#!/usr/bin/make -f\n%:\n\tdh $@\n');
  await chmod(join(tree, 'debian', 'rules'), 0o755);
  await writeFile(join(tree, 'README'), `${name} ${version}\n`);
  const before = new Set(await readdir(outDir));
  await run('dpkg-source', ['-b', `${name}-${version}`], { cwd: outDir, env: { ...process.env, SOURCE_DATE_EPOCH: '1767225600' } });
  const fileNames = (await readdir(outDir)).filter((f) => !before.has(f));
  const dscName = fileNames.find((f) => f.endsWith('.dsc'));
  if (dscName === undefined) throw new Error(`dpkg-source made no .dsc in ${outDir}`);
  return { dir: outDir, dscName, fileNames };
}
