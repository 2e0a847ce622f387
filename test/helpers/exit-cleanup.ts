// Last-resort cleanup when a test process exits without running its afterAll hooks (an
// uncaught error, process.exit): registered tasks run synchronously on 'exit'. A SIGKILLed
// process runs nothing; what it left is named by pid, so it can be recognised later.
const tasks = new Set<() => void>();
let installed = false;

/** Registers a synchronous task; returns the function that unregisters it. */
export function onProcessExit(task: () => void): () => void {
  if (!installed) {
    installed = true;
    process.once('exit', () => {
      for (const t of tasks) {
        try {
          t();
        } catch {
          // best effort: the process is exiting
        }
      }
    });
  }
  tasks.add(task);
  return () => {
    tasks.delete(task);
  };
}
