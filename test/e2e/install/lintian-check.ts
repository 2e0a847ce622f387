// lintian on the .debs and source packages a `half-repo build` published, and whether each warning is justified
// where the package is defined: a HALF package's tags in the header comment of pkgs/<name>.ts,
// a backport's in the `lintian` object of its entry in pkgs/backports.json (tag → reason).
// The one error a signed .deb may carry is misplaced-extra-member-in-deb for its debsig
// `_gpgorigin` member (and `_gpgmaint` during a key rotation; DEBIAN-FACTS.md); any other error
// is a failure.
import { readFile, readdir } from 'node:fs/promises';
import { basename, dirname, join, relative } from 'node:path';
import { lintian, type LintianTag } from '../../repo-tool/deb/helpers/lintian.js';

/** The one lintian error a debsig-signed .deb is allowed (once per signature member). */
export function isOriginSignatureTag(tag: LintianTag): boolean {
  return tag.severity === 'E' && tag.tag === 'misplaced-extra-member-in-deb' && / _gpg(origin|maint)\b/.test(tag.line);
}

/** Every .deb below `dir`, as paths relative to it. */
export async function debsBelow(dir: string): Promise<string[]> {
  const found: string[] = [];
  const walk = async (at: string): Promise<void> => {
    for (const entry of await readdir(at, { withFileTypes: true })) {
      const path = join(at, entry.name);
      if (entry.isDirectory()) await walk(path);
      else if (entry.name.endsWith('.deb')) found.push(relative(dir, path));
    }
  };
  await walk(dir);
  return found.sort();
}

/** lintian's E and W tags for the given .deb files. */
export async function lintDebs(paths: readonly string[]): Promise<LintianTag[]> {
  const debs = new Map<string, Uint8Array>();
  for (const path of paths) debs.set(path.split('/').pop() as string, await readFile(path));
  return lintian(debs);
}

/** lintian's E and W tags for the source packages of the given .dsc files (the files each lists
 *  are read from beside it). */
export async function lintSources(dscPaths: readonly string[]): Promise<LintianTag[]> {
  const files = new Map<string, Uint8Array>();
  for (const path of dscPaths) {
    const dsc = await readFile(path, 'utf8');
    files.set(basename(path), Buffer.from(dsc));
    // Files: lines ` <md5> <size> <name>` (deb-src-control(5))
    const listed = /^Files:\n((?: .*\n?)*)/m.exec(dsc)?.[1] ?? '';
    for (const line of listed.split('\n').filter((l) => l.trim() !== '')) {
      const name = line.trim().split(/\s+/)[2] as string;
      files.set(name, await readFile(join(dirname(path), name)));
    }
  }
  return lintian(files);
}

/** Where the warnings of binary package `name` are justified: the text of its definition. */
export async function justificationText(root: string, name: string): Promise<string> {
  const definition = await readFile(join(root, 'pkgs', `${name}.ts`), 'utf8').catch(() => undefined);
  if (definition !== undefined) return definition;
  const backports = JSON.parse(await readFile(join(root, 'pkgs', 'backports.json'), 'utf8')) as Record<string, { lintian?: Record<string, string> }>;
  const reasons = backports[name]?.lintian ?? {};
  return Object.entries(reasons).map(([tag, reason]) => `${tag}: ${reason}`).join('\n');
}

/** The tags that fail the check: errors other than the origin signature's, and warnings whose
 *  tag name the package's definition does not mention. */
export async function unjustifiedTags(root: string, tags: readonly LintianTag[]): Promise<LintianTag[]> {
  const texts = new Map<string, string>();
  const failing: LintianTag[] = [];
  for (const tag of tags) {
    if (isOriginSignatureTag(tag)) continue;
    if (tag.severity === 'E') {
      failing.push(tag);
      continue;
    }
    if (!texts.has(tag.package)) texts.set(tag.package, await justificationText(root, tag.package));
    if (!(texts.get(tag.package) as string).includes(tag.tag)) failing.push(tag);
  }
  return failing;
}
