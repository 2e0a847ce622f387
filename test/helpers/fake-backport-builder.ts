// A BackportBuilder for runBackport's own logic (cache, locks, collection, the published-version
// check) without a chroot: it writes what dpkg-buildpackage -sa leaves in its build directory, a
// .deb, the source package (.dsc, .orig.tar.gz, .debian.tar.xz) and the .changes and .dsc listing
// them with their SHA-256, with the bytes the test chooses. The real builder is exercised by
// test/repo-tool/backport/run-backport.test.ts.
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { BackportBuilder } from '../../repo-tool/src/backport/backport-builder.js';
import type { BackportPlan } from '../../repo-tool/src/backport/backport-plan.js';

/** The bytes of the files a fake build makes. */
export interface FakeBuildBytes {
  readonly deb: string;
  readonly orig: string;
  readonly debianTar: string;
}

/** File names of `plan`'s build, as collect() looks them up. */
export function fakeBuildNames(plan: BackportPlan): { deb: string; orig: string; debianTar: string; dsc: string; changes: string } {
  const version = plan.version.replace(/^\d+:/, '');
  const base = `${plan.package}_${version}`;
  return {
    deb: `${base}_${plan.architecture}.deb`,
    orig: `${plan.package}_${version.replace(/-[^-]*$/, '')}.orig.tar.gz`,
    debianTar: `${base}.debian.tar.xz`,
    dsc: `${base}.dsc`,
    changes: `${base}_${plan.architecture}.changes`,
  };
}

const listed = (files: Record<string, string>): string =>
  Object.entries(files)
    .map(([name, text]) => ` ${createHash('sha256').update(text).digest('hex')} ${Buffer.byteLength(text)} ${name}`)
    .join('\n');

/** A builder that makes `bytes` (as a function of the build's number, from 1) and counts its builds. */
export function fakeBuilder(bytes: (build: number) => FakeBuildBytes): BackportBuilder & { builds: number } {
  const builder = {
    builds: 0,
    async build(plan: BackportPlan, place: { work: string; logFile: string }): Promise<string> {
      builder.builds += 1;
      await writeFile(place.logFile, `fake build ${builder.builds}\n`);
      const made = bytes(builder.builds);
      const names = fakeBuildNames(plan);
      const dir = join(place.work, 'build');
      await mkdir(dir, { recursive: true });
      const source = { [names.orig]: made.orig, [names.debianTar]: made.debianTar };
      const dsc = `Format: 3.0 (quilt)\nSource: ${plan.package}\nVersion: ${plan.version}\nChecksums-Sha256:\n${listed(source)}\n`;
      const changes = `Format: 1.8\nSource: ${plan.package}\nVersion: ${plan.version}\nChecksums-Sha256:\n${listed({ [names.dsc]: dsc, ...source, [names.deb]: made.deb })}\n`;
      for (const [name, text] of Object.entries({ ...source, [names.deb]: made.deb, [names.dsc]: dsc, [names.changes]: changes })) {
        await writeFile(join(dir, name), text);
      }
      return dir;
    },
  };
  return builder;
}
