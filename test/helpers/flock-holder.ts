// Another process holding an flock on a file, as a half-repo in a container sharing the folder
// would: in its own pid namespace when root can make one (there it is pid 1, and its pid file
// may name any number). It runs in its own process group, which stop() kills whole (flock and
// the command that inherited the lock). Fails the test at once if it could not take the lock.
import { execa } from 'execa';

export interface FlockHolder {
  stop(): Promise<void>;
}

/** Holds `lock` until stop(); `first` (a shell command) runs once the lock is held. */
export async function holdFlockElsewhere(lock: string, first = 'true'): Promise<FlockHolder> {
  const ns = process.getuid?.() === 0 ? ['unshare', '--pid', '--fork', '--kill-child'] : [];
  const command = ['flock', lock, 'sh', '-c', `${first}; echo holding; exec sleep 60`];
  const argv = [...ns, ...command];
  const child = execa(argv[0]!, argv.slice(1), { reject: false, detached: true });
  await Promise.race([
    new Promise<void>((resolve) => child.stdout!.once('data', () => resolve())),
    child.then((result) => {
      throw new Error(`the flock holder of ${lock} ended before taking it: ${result.stderr}`);
    }),
  ]);
  return {
    stop: async () => {
      try {
        process.kill(-child.pid!, 'SIGKILL');
      } catch {
        // gone already
      }
      await child;
    },
  };
}
