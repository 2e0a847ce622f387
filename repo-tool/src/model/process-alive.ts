// Whether a process id names a live process: kill(2) with signal 0 checks without signalling;
// EPERM means it exists but belongs to someone else. Used to judge locks and leftovers of
// processes that may have died (publish lock, backport build lock, `half configure`'s files).
export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
