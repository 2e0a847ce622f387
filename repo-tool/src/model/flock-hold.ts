// A lock the kernel releases when its holder dies, whatever pid namespace the holder and the
// other takers run in: flock(2) on a file. Node has no flock of its own, so a flock(1) child holds
// it, running a command that reads a pipe from this process. A release closes the pipe; a holder
// that dies closes it too, and the command ends and drops the lock with it; a flock(1) still
// waiting for the lock dies with this process (setpriv --pdeathsig), so it never takes the lock
// for a process that is gone. Nothing is judged by pid, so a builder in another container sharing
// the folder is seen as alive. The lock file is never removed (removing it would let two takers
// lock two different files of one name). Something on the machine that kills the command (or
// flock(1) itself) ends the hold early: `lost()` says so, for a caller to check before it acts on
// what the lock protects. The file is made mode 0600 (and an older one of ours made so): flock(2)
// needs only a file descriptor, read-only will do, so an account that can read the file could
// hold the lock and keep every taker out.
import { spawn } from 'node:child_process';
import { open } from 'node:fs/promises';

/** A lock held until release() (or until this process exits). */
export interface FlockHold {
  release(): Promise<void>;
  /** True once the holding flock(1) ended without release() (killed): the lock may be another's now. */
  lost(): boolean;
}

const CONFLICT = 75;
const HOLDING = 'held';

/** Takes the lock on `path` (created if missing) now; undefined when another process holds it. */
export async function tryFlock(path: string): Promise<FlockHold | undefined> {
  await ownLockFile(path);
  return flock(path, true);
}

/** Takes the lock on `path` (created if missing), waiting for as long as another process holds it. */
export async function waitFlock(path: string): Promise<FlockHold> {
  await ownLockFile(path);
  const hold = await flock(path, false);
  if (hold === undefined) throw new Error(`flock ${path}: reported a conflict while told to wait`);
  return hold;
}

const LOCK_MODE = 0o600;

/** Creates the lock file readable by this account alone, and makes one of ours that is not so. */
async function ownLockFile(path: string): Promise<void> {
  let handle;
  try {
    handle = await open(path, 'a', LOCK_MODE);
    const stat = await handle.stat();
    if ((stat.mode & 0o077) !== 0 && stat.uid === process.getuid?.()) await handle.chmod(LOCK_MODE);
  } catch (error) {
    throw new Error(`flock ${path}: ${(error as Error).message}`, { cause: error });
  } finally {
    await handle?.close();
  }
}

function flock(path: string, nonblock: boolean): Promise<FlockHold | undefined> {
  const wait = nonblock ? ['--nonblock', '--conflict-exit-code', String(CONFLICT)] : [];
  const command = ['flock', '--exclusive', ...wait, path, 'sh', '-c', `echo ${HOLDING}; exec cat >/dev/null`];
  const child = spawn('setpriv', ['--pdeathsig', 'KILL', ...command], {
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  const ended = new Promise<number | null>((resolve) => child.once('close', (code) => resolve(code)));
  let releasing = false;
  let exited = false;
  child.once('exit', () => (exited = true));
  // an early end of the pipe (the command gone) is the exit's business, not an error
  child.stdin.on('error', () => undefined);
  let stderr = '';
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  return new Promise<FlockHold | undefined>((resolve, reject) => {
    let stdout = '';
    const onData = (chunk: Buffer): void => {
      stdout += chunk.toString();
      if (!stdout.includes('\n')) return;
      child.stdout.off('data', onData);
      if (stdout.trim() !== HOLDING) {
        child.kill();
        reject(new Error(`flock ${path}: unexpected output ${JSON.stringify(stdout.trim())}`));
        return;
      }
      // held: the hold does not keep this process alive (its exit releases the lock)
      child.unref();
      child.stdout.destroy();
      child.stderr.destroy();
      resolve({
        release: async () => {
          releasing = true;
          child.ref(); // wait for the exit that releases the lock
          child.stdin.end();
          await ended;
        },
        lost: () => exited && !releasing,
      });
    };
    child.stdout.on('data', onData);
    child.once('error', (error) => reject(new Error(`flock ${path}: ${error.message} (flock(1) and setpriv(1) are in util-linux)`, { cause: error })));
    void ended.then((code) => {
      if (stdout.includes('\n')) return; // held before, released now
      if (code === CONFLICT && nonblock) resolve(undefined);
      else reject(new Error(`flock ${path}: ${stderr.trim() || `exit status ${String(code)}`}`));
    });
  });
}
