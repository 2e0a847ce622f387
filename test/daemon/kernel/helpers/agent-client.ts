// The test side of kernel-agent.ts: starts the agent inside a namespace and sends it requests.
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import type { Netns } from './netns.js';

const AGENT = fileURLToPath(new URL('./kernel-agent.ts', import.meta.url));

export class KernelAgent {
  private nextId = 1;
  private readonly waiting = new Map<number, { resolve(v: unknown): void; reject(e: Error): void }>();
  private stderr = '';

  private constructor(private readonly child: ChildProcess) {}

  static start(ns: Netns): Promise<KernelAgent> {
    const child = spawn('ip', ['netns', 'exec', ns.name, process.execPath, '--import', 'tsx', AGENT], { stdio: ['pipe', 'pipe', 'pipe'] });
    const agent = new KernelAgent(child);
    child.stderr?.on('data', (d: Buffer) => (agent.stderr += d.toString()));
    return new Promise((resolve, reject) => {
      const lines = createInterface({ input: child.stdout! });
      lines.on('line', (line) => {
        const msg = JSON.parse(line) as { ready?: boolean; id?: number; ok?: boolean; result?: unknown; error?: string };
        if (msg.ready === true) {
          resolve(agent);
          return;
        }
        const w = agent.waiting.get(msg.id ?? -1);
        if (w === undefined) return;
        agent.waiting.delete(msg.id ?? -1);
        if (msg.ok === true) w.resolve(msg.result);
        else w.reject(new Error(msg.error));
      });
      child.on('exit', (code, signal) => {
        const error = new Error(`kernel agent exited (${code ?? signal}): ${agent.stderr.slice(-2000)}`);
        reject(error);
        for (const w of agent.waiting.values()) w.reject(error);
        agent.waiting.clear();
      });
    });
  }

  request<T = any>(cmd: string, args: Record<string, unknown> = {}): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.child.stdin!.write(JSON.stringify({ id, cmd, ...args }) + '\n');
    });
  }

  async stop(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((r) => this.child.once('exit', r));
    this.child.stdin!.end();
    await exited;
  }
}
