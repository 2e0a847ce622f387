// Stands in for journald's /dev/log inside a firewall's rootfs: keepalived, run with its unit's
// arguments, logs through syslog(3), which sends one datagram per message to /dev/log (no
// systemd runs in the rootfs, so nobody else listens there). A small python3 receiver on the
// host writes each datagram as one line of a log file the harness keeps with the node's files.
// Instrumentation only: it runs outside the firewall's namespace, so switching the firewall off
// does not stop it (journald's records survive a crash on disk the same way). Stopped by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { rm, stat } from 'node:fs/promises';
import { onProcessExit } from '../../helpers/exit-cleanup.js';
import { requireTool } from '../../helpers/tools.js';
import { waitUntil } from './harness/processes.js';

const RECEIVER = [
  'import socket, sys',
  's = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)',
  's.bind(sys.argv[1])',
  'f = open(sys.argv[2], "ab", 0)',
  'while True:',
  '    f.write(s.recv(65536).rstrip(b"\\n") + b"\\n")',
].join('\n');

export interface SyslogSink {
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

/** Listens on `socketPath` (a host path, e.g. <root>/dev/log) and appends to `logFile`. */
export async function startSyslogSink(socketPath: string, logFile: string): Promise<SyslogSink> {
  requireTool('python3');
  await rm(socketPath, { force: true });
  const child: ChildProcess = spawn('python3', ['-c', RECEIVER, socketPath, logFile], { stdio: 'ignore' });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const running = (): boolean => child.exitCode === null && child.signalCode === null;
  // a worker that dies before stop() (an error, a timeout) leaves no receiver behind
  const unregister = onProcessExit(() => {
    if (running()) child.kill('SIGKILL');
  });
  const stop = async (): Promise<void> => {
    unregister();
    if (running()) {
      child.kill('SIGTERM');
      await exited;
    }
    await rm(socketPath, { force: true });
  };
  try {
    await waitUntil(async () => (await stat(socketPath).catch(() => undefined))?.isSocket() === true, 10_000, `the syslog receiver on ${socketPath}`, () => child.exitCode !== null);
  } catch (error) {
    await stop();
    throw error;
  }
  return { pid: child.pid, stop };
}
