import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { AptSource } from '../../../repo-tool/src/apt/apt-source.js';
import { debianMirror, readMachineSources } from '../../../repo-tool/src/apt/machine-sources.js';
import { ConfigError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

let root: string;
beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-machine-sources-'));
  await mkdir(join(root, 'etc/apt/sources.list.d'), { recursive: true });
});
afterEach(async () => {
  await rm(root, { recursive: true, force: true });
});

const put = (path: string, text: string): Promise<void> => writeFile(join(root, 'etc/apt', path), text);

async function sampleConfiguration(): Promise<void> {
  await put('sources.list', '# deb http://old.invalid/debian buster main\ndeb [arch=amd64] http://one.invalid/debian bookworm main contrib # c\n');
  await put(
    'sources.list.d/debian.sources',
    'Types: deb deb-src\n# comment\nURIs: http://mirror.invalid/debian\nSuites: bookworm bookworm-updates\nComponents: main\n\n' +
      'Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n\n' +
      'Types: deb\nURIs: http://off.invalid/debian\nSuites: trixie\nComponents: main\nEnabled: no\n',
  );
  await put('sources.list.d/extra.list', 'deb-src http://one.invalid/debian bookworm main\n');
  await put('sources.list.d/vendor.list.disabled', 'deb http://disabled.invalid/apt stable main\n');
  await put('sources.list.d/vendor.sources.save', 'Types: deb\nURIs: http://saved.invalid/apt\nSuites: x\nComponents: main\n');
}

describe('readMachineSources', () => {
  it('reads sources.list then the parts in name order, ignoring other file names', async () => {
    await sampleConfiguration();
    const { sources, filesRead } = await readMachineSources({ root });
    expect(filesRead).toEqual([
      join(root, 'etc/apt/sources.list'),
      join(root, 'etc/apt/sources.list.d/debian.sources'),
      join(root, 'etc/apt/sources.list.d/extra.list'),
    ]);
    expect(sources.map((s) => s.uris[0])).toEqual([
      'http://one.invalid/debian',
      'http://mirror.invalid/debian',
      'http://mirror.invalid/debian-security',
      'http://off.invalid/debian',
      'http://one.invalid/debian',
    ]);
  });

  it('sees exactly the index targets apt itself sees in the same files', async () => {
    requireTool('apt-get');
    await sampleConfiguration();
    const apt = await run(
      'apt-get',
      [
        '-o', `Dir::Etc=${join(root, 'etc/apt')}`,
        '-o', `Dir::State::Lists=${join(root, 'lists')}`,
        'indextargets', '--no-release-info', '--format', '$(TARGET_OF) $(REPO_URI) $(RELEASE) $(COMPONENT)',
      ],
      { check: true },
    );
    const fromApt = new Set(apt.stdout.split('\n').filter((line) => line !== ''));
    const { sources } = await readMachineSources({ root });
    const ours = new Set(sources.filter((s) => s.enabled).flatMap(targets));
    expect(fromApt.size).toBeGreaterThan(0);
    expect([...ours].sort()).toEqual([...fromApt].sort());
  });

  it('returns nothing, without error, when there is no apt configuration at all', async () => {
    await rm(join(root, 'etc'), { recursive: true });
    expect(await readMachineSources({ root })).toEqual({ sources: [], filesRead: [] });
  });

  it('fails with the file and line of a malformed entry', async () => {
    await put('sources.list.d/broken.list', 'deb http://mirror.invalid/debian\n');
    await expect(readMachineSources({ root })).rejects.toThrow(/broken\.list:1: the suite is missing/);
  });
});

describe('debianMirror', () => {
  it('returns the main archive of the configuration, not the security archive', async () => {
    await put('sources.list.d/debian.sources', 'Types: deb\nURIs: http://mirror.invalid/debian-security\nSuites: bookworm-security\nComponents: main\n\nTypes: deb\nURIs: http://mirror.invalid/debian/\nSuites: bookworm\nComponents: main\n');
    expect(await debianMirror({ root })).toBe('http://mirror.invalid/debian');
  });

  it('names the files read and the --mirror option when no Debian archive is configured', async () => {
    await put('sources.list.d/vendor.list', 'deb https://vendor.invalid/apt nodistro main\n');
    const error = await debianMirror({ root }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).message).toContain(`read ${join(root, 'etc/apt/sources.list.d/vendor.list')}`);
    expect((error as ConfigError).hint).toContain('--mirror URL');
  });

  it('finds a Debian archive in this machine\'s own configuration, one that apt lists too', async () => {
    requireTool('apt-get');
    const mirror = await debianMirror();
    const apt = await run('apt-get', ['indextargets', '--no-release-info', '--format', '$(REPO_URI)'], { check: true });
    expect(apt.stdout.split('\n')).toContain(`${mirror}/`);
  });
});

/** The "type uri/ suite component" lines apt's indextargets prints for an entry. */
function targets(source: AptSource): string[] {
  return source.types.flatMap((type) =>
    source.uris.flatMap((uri) =>
      source.suites.flatMap((suite) =>
        source.components.map((component) => `${type} ${uri.endsWith('/') ? uri : `${uri}/`} ${suite} ${component}`),
      ),
    ),
  );
}
