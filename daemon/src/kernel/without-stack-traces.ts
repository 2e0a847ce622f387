// Runs code whose normal outcome includes a thrown error without capturing stack traces: Node's
// fs calls throw EAGAIN when a non-blocking descriptor has nothing to read or no room to write,
// and capturing the stack of that expected throw was the largest single cost of an event pump
// wake at 10k events/s (pump-output.ts, pipe-writer.ts).
export function withoutStackTraces<T>(run: () => T): T {
  const stackTraceLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    return run();
  } finally {
    Error.stackTraceLimit = stackTraceLimit;
  }
}
