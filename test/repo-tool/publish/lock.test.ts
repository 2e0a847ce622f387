// The publish lock. Its pid layer is tested with publishers simulated in this process (a store
// without a lock of its own, so that a "dead" publisher's lock is judged by its pid alone); the
// store's flock with real processes, one of them in another pid namespace (a container sharing
// the repository folder).
import { existsSync } from 'node:fs';
import { stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LocalStorage } from '../../../repo-tool/src/publish/local-storage.js';
import { acquireLock, checkNotLocked, FLOCK_PATH, LOCK_PATH } from '../../../repo-tool/src/publish/lock.js';
import type { PublishedStorage } from '../../../repo-tool/src/publish/storage.js';
import { holdFlockElsewhere } from '../../helpers/flock-holder.js';
import { killFlockCommand } from '../../helpers/flock-killer.js';
import { requireTool, run } from '../../helpers/tools.js';
import { makeTempDir, removeTempDir } from '../repo/helpers/tmp.js';

/** The folder as a store that offers no lock of its own: the pid lock alone. */
function pidOnly(root: string): LocalStorage {
  const storage = new LocalStorage(root);
  (storage as { hold?: PublishedStorage['hold'] }).hold = undefined;
  return storage;
}

describe('publish lock, pid layer', () => {
  let dir: string;
  beforeAll(async () => {
    dir = await makeTempDir('lock');
  });
  afterAll(async () => removeTempDir(dir));

  it('refuses a second publisher while the first is alive, and takes over a dead one', async () => {
    const storage = pidOnly(dir);
    const release = await acquireLock(storage, { pid: 1111, isAlive: () => true });
    await expect(acquireLock(storage, { pid: 2222, isAlive: (pid) => pid === 1111 })).rejects.toThrow(/another half-repo \(pid 1111\) is publishing/);
    // 1111 died without releasing: the lock is stale.
    const second = await acquireLock(storage, { pid: 2222, isAlive: () => false });
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('2222\n');
    await second.release();
    expect(existsSync(join(dir, LOCK_PATH))).toBe(false);
    expect(existsSync(join(dir, '.half-repo'))).toBe(false);
    void release;
  });

  it('leaves a stale lock to the publisher already taking it over, and clears a takeover its publisher died in', async () => {
    const storage = pidOnly(join(dir, 'takeover'));
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('999\n'));
    await storage.writeFile(`${LOCK_PATH}.takeover`, new TextEncoder().encode('555\n'));
    await expect(acquireLock(storage, { pid: 333, isAlive: () => false })).rejects.toThrow(/another half-repo is taking over its stale lock/);
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('999\n');
    const old = new Date(Date.now() - 120_000);
    await utimes(join(dir, 'takeover', `${LOCK_PATH}.takeover`), old, old);
    const release = await acquireLock(storage, { pid: 333, isAlive: () => false });
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('333\n');
    expect((await storage.list('.half-repo')).sort()).toEqual([LOCK_PATH]);
    // a release removes only its own lock
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('444\n'));
    await release.release();
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('444\n');
  });

  it('stops confirming a pid lock that was removed or taken over', async () => {
    const storage = pidOnly(join(dir, 'confirm'));
    const lock = await acquireLock(storage, { pid: 1111, isAlive: () => true });
    await lock.confirm();
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('2222\n'));
    await expect(lock.confirm()).rejects.toThrow(`lost the lock of ${storage.location}: ${LOCK_PATH} names pid 2222 now`);
    await storage.remove(LOCK_PATH);
    await expect(lock.confirm()).rejects.toThrow(`${LOCK_PATH} is gone`);
    await lock.release();
  });

  it('lets exactly one of two publishers take over a stale lock that both read as stale', async () => {
    const storage = pidOnly(join(dir, 'race'));
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode('999\n')); // its publisher died
    // A reads the stale lock, then stalls until B has judged it stale too and taken the lock.
    let bHolds: () => void = () => undefined;
    const bHeld = new Promise<void>((resolve) => (bHolds = resolve));
    const slow: typeof storage = Object.create(storage) as typeof storage;
    let stalled = false;
    slow.readFile = async (path: string) => {
      const bytes = await storage.readFile(path);
      if (path === LOCK_PATH && !stalled) {
        stalled = true;
        await bHeld;
      }
      return bytes;
    };
    const isAlive = (pid: number) => pid === 111 || pid === 222;
    const a = acquireLock(slow, { pid: 111, isAlive }).then(() => 'a', (e: unknown) => e);
    await new Promise((resolve) => setTimeout(resolve, 20)); // A is stalled on its read
    const b = await acquireLock(storage, { pid: 222, isAlive });
    bHolds();
    expect(String(await a)).toMatch(/another half-repo \(pid 222\) is publishing/);
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe('222\n');
    expect(await storage.list('.half-repo')).toEqual([LOCK_PATH]);
    await b.release();
  });
});

describe('publish lock, the store\'s flock', () => {
  let dir: string;
  let gone: string;
  beforeAll(async () => {
    requireTool('flock');
    dir = await makeTempDir('flock');
    gone = (await run('sh', ['-c', 'echo $$'])).stdout.trim(); // exited by now
  });
  afterAll(async () => removeTempDir(dir));

  it('holds it while publishing, marks its pid lock so, and leaves it free after', async () => {
    const storage = new LocalStorage(join(dir, 'plain'));
    const lock = await acquireLock(storage, { pid: process.pid });
    expect((await run('flock', ['--nonblock', join(dir, 'plain', FLOCK_PATH), 'true'])).exitCode, 'held').toBe(1);
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe(`${process.pid}\nflock\n`);
    await expect(acquireLock(storage, { pid: process.pid })).rejects.toThrow(`another half-repo (pid ${process.pid}) is publishing to ${storage.location}`);
    await lock.confirm();
    await lock.release();
    expect((await run('flock', ['--nonblock', join(dir, 'plain', FLOCK_PATH), 'true'])).exitCode, 'free').toBe(0);
    expect(existsSync(join(dir, 'plain', LOCK_PATH))).toBe(false);
    expect((await stat(join(dir, 'plain', FLOCK_PATH))).mode & 0o777, 'the publisher\'s alone').toBe(0o600);
    await (await acquireLock(storage, { pid: process.pid })).release();
  });

  it.runIf(process.getuid?.() === 0)('cannot be held by another account (the web server\'s), which would keep every publish out', async () => {
    const storage = new LocalStorage(join(dir, 'other-account'));
    await (await acquireLock(storage, { pid: process.pid })).release();
    const other = await run('setpriv', ['--reuid=nobody', '--regid=nogroup', '--clear-groups', 'flock', '--nonblock', join(storage.location, FLOCK_PATH), 'true']);
    expect(other.exitCode).not.toBe(0);
    expect(other.stderr).toContain('Permission denied');
  });

  it.runIf(process.getuid?.() === 0)('refuses while a publisher in another pid namespace holds it, and takes over once it dies, whatever its pid means here', async () => {
    requireTool('unshare');
    const root = join(dir, 'container');
    const storage = new LocalStorage(root);
    await (await acquireLock(storage, { pid: process.pid })).release(); // makes .half-repo/flock
    const lockFile = join(root, LOCK_PATH);
    // a publisher in a container is pid 1 there; pid 1 runs here too, and a dead one's pid may not
    for (const pid of ['1', gone]) {
      const container = await holdFlockElsewhere(join(root, FLOCK_PATH), `printf '${pid}\\nflock\\n' > ${lockFile}`);
      try {
        const refused = await acquireLock(storage, { pid: process.pid }).catch((e: unknown) => e);
        expect(String(refused), 'a pid lock would have taken over').toContain(`another half-repo (pid ${pid}) is publishing to ${root}`);
        expect((refused as { hint: string }).hint).toContain(`it holds ${root}/${FLOCK_PATH}`);
        await expect(checkNotLocked(storage), 'a dry run too').rejects.toThrow(`another half-repo (pid ${pid}) is publishing`);
      } finally {
        await container.stop();
      }
      // killed mid-publish: its pid lock is left behind, its flock is not
      expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH))).toBe(`${pid}\nflock\n`);
      await checkNotLocked(storage);
      const lock = await acquireLock(storage, { pid: process.pid });
      expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH)), `after pid ${pid}`).toBe(`${process.pid}\nflock\n`);
      await lock.release();
    }
  }, 30_000);

  it('still defers to an older half-repo\'s pid lock while its pid runs, and lets the store\'s lock go', async () => {
    const root = join(dir, 'older');
    const storage = new LocalStorage(root);
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode(`${process.ppid}\n`));
    await expect(acquireLock(storage, { pid: process.pid })).rejects.toThrow(`another half-repo (pid ${process.ppid}) is publishing`);
    expect((await run('flock', ['--nonblock', join(root, FLOCK_PATH), 'true'])).exitCode, 'free after the refusal').toBe(0);
    await expect(checkNotLocked(storage)).rejects.toThrow(`another half-repo (pid ${process.ppid}) is publishing`);
  });

  it('judges by pid alone where it cannot open the store\'s lock (a dry run of another account)', async () => {
    const root = join(dir, 'unreadable');
    const storage = new LocalStorage(root);
    await (await acquireLock(storage, { pid: process.pid })).release();
    const denied = Object.create(storage) as LocalStorage;
    denied.hold = () => Promise.reject(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }));
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode(`${gone}\nflock\n`));
    await checkNotLocked(denied);
    await storage.writeFile(LOCK_PATH, new TextEncoder().encode(`${process.ppid}\nflock\n`));
    await expect(checkNotLocked(denied), 'marked, but the store\'s lock could not be tried').rejects.toThrow(`another half-repo (pid ${process.ppid}) is publishing`);
  });

  it('waits out a hold of a moment (a dry run checking), then takes it', async () => {
    const root = join(dir, 'moment');
    const storage = new LocalStorage(root);
    await (await acquireLock(storage, { pid: process.pid })).release(); // makes .half-repo/flock
    const checking = await holdFlockElsewhere(join(root, FLOCK_PATH));
    const taking = acquireLock(storage, { pid: process.pid });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await checking.stop();
    await (await taking).release();
  });

  it('stops confirming once something kills the process holding its flock, which lets another publisher in', async () => {
    const root = join(dir, 'killed-holder');
    const storage = new LocalStorage(root);
    const lock = await acquireLock(storage, { pid: process.pid });
    await lock.confirm();
    // flock(1) is a child of this process; the command it runs holds the lock with it
    killFlockCommand(join(root, FLOCK_PATH));
    await waitUntil(async () => (await lock.confirm().then(() => false, () => true)));
    await expect(lock.confirm()).rejects.toThrow(`lost the lock of ${root}: ${FLOCK_PATH} was dropped: the flock(1) process holding it for this half-repo ended`);
    // the danger it guards against: the next publisher takes both layers over
    const next = await acquireLock(storage, { pid: process.pid + 1 });
    await lock.release();
    expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH)), 'the release left the new holder\'s pid lock').toBe(`${process.pid + 1}\nflock\n`);
    await next.confirm();
    await next.release();
  });

  it('removes its pid lock before it lets go of the store\'s lock, so the next publisher\'s pid lock survives a slow release', async () => {
    const root = join(dir, 'release-order');
    const storage = new LocalStorage(root);
    // A's release reads its pid lock, then stalls until B holds the lock (or 1.5 s pass)
    let bHolds: () => void = () => undefined;
    const bHeld = new Promise<void>((resolve) => (bHolds = resolve));
    let releasing = false;
    const slow = Object.create(storage) as LocalStorage;
    slow.readFile = async (path: string) => {
      const bytes = await storage.readFile(path);
      if (releasing && path === LOCK_PATH) await Promise.race([bHeld, new Promise((resolve) => setTimeout(resolve, 1_500))]);
      return bytes;
    };
    const a = await acquireLock(slow, { pid: process.pid });
    releasing = true;
    const released = a.release();
    const b = await acquireLock(storage, { pid: process.pid + 1 }).then((lock) => (bHolds(), lock), (error: unknown) => error);
    await released;
    if (!(b instanceof Error)) {
      expect(new TextDecoder().decode(await storage.readFile(LOCK_PATH)), 'B\'s pid lock').toBe(`${process.pid + 1}\nflock\n`);
      await (b as Awaited<ReturnType<typeof acquireLock>>).release();
    } else expect(String(b)).toContain('is publishing');
    await (await acquireLock(storage, { pid: process.pid })).release();
  });

  it('lets a dry run check a folder without creating the flock file', async () => {
    const root = join(dir, 'dry');
    const storage = new LocalStorage(root);
    await storage.writeFile('dists/x', new Uint8Array());
    await checkNotLocked(storage);
    expect(existsSync(join(root, FLOCK_PATH))).toBe(false);
  });
});

async function waitUntil(check: () => Promise<boolean>, timeoutMs = 5_000): Promise<void> {
  for (const start = Date.now(); !(await check()); ) {
    if (Date.now() - start > timeoutMs) throw new Error(`not so after ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
