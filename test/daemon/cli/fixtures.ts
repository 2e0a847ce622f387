// Test helper (not a test): a captured CliIo, a temporary directory with a real control server,
// and half.conf texts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { CliIo } from '../../../daemon/src/cli/command.js';
import { ControlServer } from '../../../daemon/src/control/control-server.js';
import { MINIMAL } from '../config/fixtures/problems.js';
import { RecordingHandler } from '../control/fixtures/sample-status.js';

export interface CapturedIo extends CliIo {
  stdout: string;
  stderr: string;
}

export function captureIo(): CapturedIo {
  const io: CapturedIo = {
    stdout: '',
    stderr: '',
    out: (text) => void (io.stdout += text),
    err: (text) => void (io.stderr += text),
  };
  return io;
}

/** A valid half.conf (the validation tests' minimal one) whose control socket is `socket`. */
export function halfConf(socket: string, extra = ''): string {
  return `${MINIMAL}[daemon]
control-socket = ${socket}
${extra}`;
}

export interface Daemonish {
  readonly dir: string;
  readonly socket: string;
  readonly handler: RecordingHandler;
  readonly server: ControlServer;
  /** Writes `text` as a file in the directory; returns its path. */
  file(name: string, text: string): Promise<string>;
  close(): Promise<void>;
}

export async function startDaemonish(): Promise<Daemonish> {
  const dir = await mkdtemp(join(tmpdir(), 'half-cli-'));
  const socket = join(dir, 'half.sock');
  const handler = new RecordingHandler();
  const server = new ControlServer(handler, { path: socket });
  await server.listen();
  return {
    dir,
    socket,
    handler,
    server,
    async file(name, text) {
      const path = join(dir, name);
      await writeFile(path, text);
      return path;
    },
    async close() {
      await server.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
