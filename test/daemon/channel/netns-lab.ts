// Test helper (not a test): network namespaces, veth pairs and child processes for the real-UDP
// channel tests. Every namespace gets a per-run unique prefix; cleanup() kills the children it
// spawned (by pid) and deletes exactly the namespaces it created. Only documentation address
// ranges are used inside.
import type { ChildProcess } from 'node:child_process';
import { execFile, spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

import { assertDocumentationCidr, assertIpArgs } from '../../helpers/doc-addresses.js';
import { onProcessExit } from '../../helpers/exit-cleanup.js';

const run = promisify(execFile);
const ROOT = fileURLToPath(new URL('../../../', import.meta.url));

/** One end of a veth pair (no address: a bridge port). */
export interface VethEnd {
  readonly ns: string;
  readonly name: string;
  readonly address?: string;
}

export class NetnsLab {
  readonly prefix = `h6-${process.pid}-${randomBytes(3).toString('hex')}`;
  private readonly namespaces: string[] = [];
  private readonly children: ChildProcess[] = [];

  async namespace(name: string): Promise<string> {
    const ns = `${this.prefix}-${name}`;
    await run('ip', ['netns', 'add', ns]);
    this.namespaces.push(ns);
    await run('ip', ['-n', ns, 'link', 'set', 'lo', 'up']);
    return ns;
  }

  /** A veth pair between two namespaces, addressed and up. */
  async veth(a: VethEnd, b: VethEnd, prefixLength: number): Promise<void> {
    await run('ip', ['-n', a.ns, 'link', 'add', a.name, 'type', 'veth', 'peer', 'name', b.name, 'netns', b.ns]);
    for (const end of [a, b]) {
      if (end.address !== undefined) {
        const cidr = `${end.address}/${prefixLength}`;
        assertDocumentationCidr(cidr);
        await run('ip', ['-n', end.ns, 'addr', 'add', cidr, 'dev', end.name]);
      }
      await run('ip', ['-n', end.ns, 'link', 'set', end.name, 'up']);
    }
  }

  async ip(ns: string, ...args: string[]): Promise<string> {
    assertIpArgs(args);
    return (await run('ip', ['-n', ns, ...args])).stdout;
  }

  /** Starts test/daemon/channel/fixtures/sync-peer.ts (or another fixture speaking JSON lines) inside `ns`. */
  peer(ns: string, config: unknown, fixture = 'test/daemon/channel/fixtures/sync-peer.ts'): PeerProcess {
    const child = spawn('ip', ['netns', 'exec', ns, process.execPath, '--import', 'tsx', fixture, JSON.stringify(config)], {
      cwd: ROOT,
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    this.children.push(child);
    return new PeerProcess(child);
  }

  /** Kills the children it spawned and whatever else runs inside its namespaces (by pid), then deletes them. */
  async cleanup(): Promise<void> {
    this.unregister();
    this.cleanupSync();
  }

  private readonly unregister = onProcessExit(() => this.cleanupSync());

  private cleanupSync(): void {
    for (const child of this.children) if (child.exitCode === null && child.pid !== undefined) killPid(child.pid);
    for (const ns of this.namespaces.splice(0).reverse()) {
      for (const pid of (spawnSync('ip', ['netns', 'pids', ns], { encoding: 'utf8' }).stdout ?? '').split('\n')) if (/^\d+$/.test(pid)) killPid(Number(pid));
      const deleted = spawnSync('ip', ['netns', 'del', ns], { encoding: 'utf8' });
      if (deleted.status !== 0) process.stderr.write(`netns-lab: could not delete ${ns}: ${deleted.stderr}\n`);
    }
  }
}

export interface PeerStatus {
  readonly internal: { size: number; digest: string };
  readonly external: Record<string, { size: number; digest: string }>;
  readonly counters: { drops: Record<string, number> } & Record<string, unknown>;
  readonly link?: { active: number; switches: number };
}

export class PeerProcess {
  private readonly queue: Record<string, unknown>[] = [];
  private waiter: (() => void) | undefined;
  private stderr = '';

  constructor(private readonly child: ChildProcess) {
    createInterface({ input: child.stdout! }).on('line', (line) => {
      this.queue.push(JSON.parse(line) as Record<string, unknown>);
      this.waiter?.();
    });
    child.stderr!.on('data', (chunk: Buffer) => {
      this.stderr += chunk.toString();
    });
  }

  send(command: Record<string, unknown>): void {
    this.child.stdin!.write(`${JSON.stringify(command)}\n`);
  }

  /** The next output line of `type` (waiting up to `timeoutMs`). */
  async next(type: string, timeoutMs = 30_000): Promise<Record<string, unknown>> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const index = this.queue.findIndex((line) => line.type === type);
      if (index >= 0) return this.queue.splice(index, 1)[0] as Record<string, unknown>;
      if (this.child.exitCode !== null || Date.now() > deadline) {
        throw new Error(`sync-peer: no "${type}" line (exit ${this.child.exitCode}); stderr:\n${this.stderr}`);
      }
      await new Promise<void>((resolve) => {
        this.waiter = resolve;
        setTimeout(resolve, 100);
      });
    }
  }

  async status(): Promise<PeerStatus> {
    this.send({ op: 'status' });
    return (await this.next('status')) as unknown as PeerStatus;
  }

  /** Polls until `done(status)` holds, up to `timeoutMs`; returns the last status. */
  async until(done: (status: PeerStatus) => boolean, timeoutMs = 30_000): Promise<PeerStatus> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const status = await this.status();
      if (done(status) || Date.now() > deadline) return status;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
}

function killPid(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}
