// The cluster key file: decoded from hex or base64, and refused (with the fix) unless it is a
// root-owned file nobody else can read. Real files, real chmod/chown (the tests run as root).
import { randomBytes } from 'node:crypto';
import { chmod, chown, mkdtemp, rm, symlink, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadClusterKey, parseClusterKey } from '../../../daemon/src/config/cluster-key.js';
import { HalfConfError } from '../../../daemon/src/config/config-error.js';
import { run } from '../../helpers/tools.js';

const KEY = randomBytes(32);

async function failure(path: string): Promise<string[]> {
  const error = await loadClusterKey(path).then(() => undefined, (e: unknown) => e);
  expect(error).toBeInstanceOf(HalfConfError);
  return (error as HalfConfError).problems.map((p) => `${p.key}: ${p.message} | ${p.fix}`);
}

describe('parseClusterKey', () => {
  it('decodes hex and base64, with comments and a trailing newline', () => {
    expect(parseClusterKey(KEY.toString('hex') + '\n')).toEqual({ ok: true, key: Uint8Array.from(KEY) });
    expect(parseClusterKey(`# made by postinst\n${KEY.toString('hex').toUpperCase()}`)).toEqual({ ok: true, key: Uint8Array.from(KEY) });
    expect(parseClusterKey(KEY.toString('base64'))).toEqual({ ok: true, key: Uint8Array.from(KEY) });
  });

  it.each([
    ['', 'holds no key'],
    ['abcd', 'holds 4 hex digits, not 64'],
    [randomBytes(16).toString('base64'), 'decodes (base64) to 16 bytes, not 32'],
    ['not a key!', 'is neither 64 hex digits nor base64'],
    ['aa\nbb', 'holds 2 lines; the key must be one line'],
  ])('refuses %j', (text, message) => {
    expect(parseClusterKey(text)).toEqual({ ok: false, message });
  });
});

describe('loadClusterKey', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'half-key-'));
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('loads a 0600 root file written the way half.conf(5) says', async () => {
    const path = join(dir, 'made.key');
    await run('sh', ['-c', `umask 022; (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n" > ${path})`], { check: true });
    const key = await loadClusterKey(path);
    expect(key).toHaveLength(32);
    const again = await loadClusterKey(path);
    expect(Buffer.from(again).equals(Buffer.from(key))).toBe(true);
  });

  it('accepts 0400 and refuses group or world access, with chmod as the fix', async () => {
    const path = join(dir, 'perm.key');
    await writeFile(path, KEY.toString('hex'));
    await chmod(path, 0o400);
    expect(Buffer.from(await loadClusterKey(path)).equals(KEY)).toBe(true);
    await chmod(path, 0o640);
    expect(await failure(path)).toEqual([`sync.key-file: has mode 0640: others can read the cluster key | chmod 0600 ${path}`]);
  });

  it('refuses a file not owned by root, and reports every problem at once', async () => {
    const path = join(dir, 'owner.key');
    await writeFile(path, 'short');
    await chmod(path, 0o644);
    await chown(path, 1000, 1000);
    expect(await failure(path)).toEqual([
      `sync.key-file: is owned by uid 1000, not root | chown root:root ${path}`,
      `sync.key-file: has mode 0644: others can read the cluster key | chmod 0600 ${path}`,
      expect.stringMatching(/^sync\.key-file: is neither 64 hex digits nor base64 \| write 32 random bytes as hex: \(umask 077; head -c 32 \/dev\/urandom/),
    ]);
  });

  it('names a missing file or a directory, with the command that makes a key', async () => {
    expect(await failure(join(dir, 'absent.key'))).toEqual([expect.stringMatching(/^sync\.key-file: does not exist \| create the same key on every node: \(umask 077; head -c 32/)]);
    await mkdir(join(dir, 'adir'), { mode: 0o700 });
    expect(await failure(join(dir, 'adir'))).toEqual([expect.stringMatching(/^sync\.key-file: is not a regular file/)]);
  });

  it('quotes the path in the command it prints, so that pasting it runs nothing else', async () => {
    const path = join(dir, "k;touch it's.key");
    const [problem] = await failure(path);
    expect(problem).toBe(`sync.key-file: does not exist | create the same key on every node: (umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n" > '${dir}/k;touch it'\\''s.key')`);
    // and sh, given the command, writes that one file
    const command = (problem as string).split('create the same key on every node: ')[1] as string;
    await run('sh', ['-c', command], { check: true });
    expect((await loadClusterKey(path)).length).toBe(32);
  });

  it('follows a symlink and checks the file it names', async () => {
    const target = join(dir, 'target.key');
    await writeFile(target, KEY.toString('base64'), { mode: 0o600 });
    await chmod(target, 0o600);
    await symlink(target, join(dir, 'link.key'));
    expect(Buffer.from(await loadClusterKey(join(dir, 'link.key'))).equals(KEY)).toBe(true);
  });
});
