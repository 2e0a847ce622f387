// Shared by the definitions in pkgs/ (helper modules live in pkgs/lib/, which the loader does
// not read as definitions). What every HALF package shares: the maintainer, the copyright file and the changelog that
// Debian Policy §12.5 and §12.7 require in /usr/share/doc/<package>/.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, constants } from 'node:zlib';
import type { DefinitionContext, FileEntry } from '../../repo-tool/src/model/definition.js';

export const MAINTAINER = 'HALF Maintainers <half-maintainers@example.org>';
export const HOMEPAGE_NOTE = 'HALF revives the 2004 High Availability Linux Firewall project.';

/** gzip -9n: maximum compression, no name and no time in the header (lintian checks both). */
export function gzip9n(data: Uint8Array | string): Uint8Array {
  return gzipSync(data, { level: constants.Z_BEST_COMPRESSION });
}

/** /usr/share/doc/<name>/copyright and changelog.gz (HALF's packages are native). */
export function standardDocs(ctx: DefinitionContext, name: string): FileEntry[] {
  const changelog = readFileSync(join(ctx.root, 'debian', 'changelog'));
  return [
    { path: `/usr/share/doc/${name}/copyright`, content: { from: 'debian/copyright' } },
    { path: `/usr/share/doc/${name}/changelog.gz`, content: gzip9n(changelog) },
  ];
}
