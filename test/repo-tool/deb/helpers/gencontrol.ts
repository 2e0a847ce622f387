// Runs the real dpkg-gencontrol for a definition: a source folder with debian/control (the
// definition's fields as a packager would write them, restriction lists included) and
// debian/changelog, and the package build tree (materialised, with DEBIAN/ holding what
// debhelper puts there before dh_gencontrol: scripts, conffiles, templates, triggers).
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { RELATIONSHIP_FIELDS } from '../../../../repo-tool/src/deb/control.js';
import { foldDescription } from '../../../../repo-tool/src/deb/description.js';
import type { PackageDefinition } from '../../../../repo-tool/src/model/definition.js';
import { materialise } from './materialise.js';

const run = promisify(execFile);

function debianControl(def: PackageDefinition): string {
  const source = def.source?.name ?? def.name;
  const lines = [`Source: ${source}`, `Maintainer: ${def.maintainer}`];
  if (def.section !== undefined) lines.push(`Section: ${def.section}`);
  if (def.priority !== undefined) lines.push(`Priority: ${def.priority}`);
  if (def.homepage !== undefined) lines.push(`Homepage: ${def.homepage}`);
  lines.push('', `Package: ${def.name}`, `Architecture: ${def.architecture}`);
  if (def.essential === true) lines.push('Essential: yes');
  if (def.protected === true) lines.push('Protected: yes');
  if (def.multiArch !== undefined) lines.push(`Multi-Arch: ${def.multiArch}`);
  for (const [key, name] of RELATIONSHIP_FIELDS) {
    const values = def.relationships?.[key];
    if (values !== undefined && values.length > 0) lines.push(`${name}: ${values.join(', ')}`);
  }
  for (const [name, value] of Object.entries(def.extraFields ?? {})) lines.push(`XB-${name}: ${value}`);
  lines.push(`Description: ${foldDescription(def.description)}`);
  return `${lines.join('\n')}\n`;
}

/** dpkg-gencontrol's DEBIAN/control text for the definition. */
export async function dpkgGencontrol(def: PackageDefinition, root: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'half-gencontrol-'));
  const tree = await materialise(def, root, 'Package: placeholder\n');
  try {
    await rm(join(tree.dir, 'DEBIAN/control'));
    await rm(join(tree.dir, 'DEBIAN/md5sums'), { force: true });
    await mkdir(join(dir, 'debian'));
    await writeFile(join(dir, 'debian/control'), debianControl(def));
    const sourceVersion = def.source?.version ?? def.version;
    await writeFile(join(dir, 'debian/changelog'), `${def.source?.name ?? def.name} (${sourceVersion}) unstable; urgency=medium\n\n  * Test.\n\n -- ${def.maintainer}  Tue, 14 Nov 2023 22:13:20 +0000\n`);
    const { stdout } = await run('dpkg-gencontrol', [`-p${def.name}`, `-P${tree.dir}`, `-v${def.version}`, '-O'], { cwd: dir, env: { ...process.env, LC_ALL: 'C' } });
    return stdout;
  } finally {
    await tree.remove();
    await rm(dir, { recursive: true, force: true });
  }
}
