// Reading definition content from disk: `{ from }` files and tree walks (order, modes, links),
// with errors that name the package, the field and the file.
import { execFile } from 'node:child_process';
import { chmod, mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadContent, walkTree } from '../../../repo-tool/src/deb/content.js';
import { DefinitionError } from '../../../repo-tool/src/model/errors.js';

const run = promisify(execFile);
let root: string;

beforeAll(async () => {
  root = await mkdtemp(join(tmpdir(), 'half-content-'));
  const tree = join(root, 'tree');
  await mkdir(join(tree, 'sub'), { recursive: true });
  for (const name of ['z', 'B', 'a', 'é', 'a-b']) await writeFile(join(tree, name), name);
  await writeFile(join(tree, 'sub', 'tool'), '#!/bin/sh\n');
  await chmod(join(tree, 'sub', 'tool'), 0o700);
  await chmod(join(tree, 'a'), 0o600);
  await symlink('sub/tool', join(tree, 'link'));
  await mkdir(join(root, 'with-fifo'));
  await run('mkfifo', [join(root, 'with-fifo', 'pipe')]);
  await writeFile(join(root, 'exec.sh'), '#!/bin/sh\n');
  await chmod(join(root, 'exec.sh'), 0o755);
});
afterAll(async () => {
  await rm(root, { recursive: true, force: true });
});

describe('walkTree', () => {
  it('lists children after their folder, names in byte order, files 0755 or 0644 by their x bits', async () => {
    const items = await walkTree(join(root, 'tree'), 'test');
    expect(items.map((i) => `${i.kind} ${i.relative}${i.kind === 'file' ? ` ${i.mode.toString(8)}` : ''}${i.kind === 'symlink' ? ` -> ${i.target}` : ''}`)).toEqual([
      'file B 644',
      'file a 644',
      'file a-b 644',
      'symlink link -> sub/tool',
      'directory sub',
      'file sub/tool 755',
      'file z 644',
      'file é 644',
    ]);
  });

  it('refuses special files and missing folders with a DefinitionError naming them', async () => {
    await expect(walkTree(join(root, 'with-fifo'), 'package "p": trees[0]')).rejects.toThrow(/package "p": trees\[0\]: ".*pipe" is neither a file, a folder nor a symlink/);
    await expect(walkTree(join(root, 'absent'), 'package "p": trees[1]')).rejects.toBeInstanceOf(DefinitionError);
  });

  it('refuses a name or symlink target with a line break, which dpkg cannot record (it fails at install)', async () => {
    await mkdir(join(root, 'newline', 'deep'), { recursive: true });
    await writeFile(join(root, 'newline', 'deep', 'new\nline'), 'x');
    await expect(walkTree(join(root, 'newline'), 'package "p": trees[0]')).rejects.toThrow(
      `package "p": trees[0]: ${JSON.stringify(join(root, 'newline', 'deep', 'new\nline'))} has a line break in its name, which dpkg cannot record`,
    );
    await mkdir(join(root, 'newline-target'));
    await symlink('a\rb', join(root, 'newline-target', 'link'));
    await expect(walkTree(join(root, 'newline-target'), 'package "p": trees[0]')).rejects.toThrow(/the symlink ".*link" points to "a\\rb", with a line break/);
  });
});

describe('loadContent', () => {
  it('takes strings as UTF-8 and bytes as they are', async () => {
    expect(await loadContent('é', root, 's')).toEqual({ data: new TextEncoder().encode('é'), executable: false });
    const bytes = new Uint8Array([0, 255]);
    expect((await loadContent(bytes, root, 's')).data).toBe(bytes);
  });

  it('reads { from } relative to the root, noting the x bit', async () => {
    const loaded = await loadContent({ from: 'exec.sh' }, root, 's');
    expect(new TextDecoder().decode(loaded.data)).toBe('#!/bin/sh\n');
    expect(loaded.executable).toBe(true);
  });

  it('names the package, field and file when { from } is missing or a folder', async () => {
    await expect(loadContent({ from: 'nope' }, root, 'package "p": files[/usr/x]')).rejects.toThrow(/^package "p": files\[\/usr\/x\]: cannot read "nope"/);
    await expect(loadContent({ from: 'tree' }, root, 'package "p": postinst')).rejects.toBeInstanceOf(DefinitionError);
  });
});
