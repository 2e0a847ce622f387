// A client, a firewall and a server in three namespaces, for tests with real traffic:
//
//   client 192.0.2.2/24 (c0) --- (f0) 192.0.2.1/24  fw  198.51.100.1/24 (f1) --- (s0) 198.51.100.2/24 server
//
// The firewall forwards and masquerades what leaves on f1 (so flows have two different tuples).
// Long-running programs started with `spawnIn` are killed by pid when the topology is removed.
import { spawn, type ChildProcess } from 'node:child_process';
import { link, Netns } from './netns.js';

export const NAT_RULESET = `table ip half_nat {
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "f1" masquerade
  }
}
`;

export class Topology {
  private readonly children: ChildProcess[] = [];

  private constructor(
    readonly client: Netns,
    readonly fw: Netns,
    readonly server: Netns,
  ) {}

  /** Builds the three namespaces; on any failure removes what it made and rethrows. */
  static async create(tag: string, fwRuleset: string): Promise<Topology> {
    const t = new Topology(await Netns.create(`${tag}c`), await Netns.create(`${tag}f`), await Netns.create(`${tag}s`));
    try {
      await link(t.client, 'c0', t.fw, 'f0');
      await link(t.fw, 'f1', t.server, 's0');
      await t.client.sh('ip addr add 192.0.2.2/24 dev c0 && ip route add default via 192.0.2.1');
      await t.server.sh('ip addr add 198.51.100.2/24 dev s0');
      await t.fw.sh('ip addr add 192.0.2.1/24 dev f0 && ip addr add 198.51.100.1/24 dev f1 && sysctl -qw net.ipv4.ip_forward=1');
      await t.fw.exec('nft', ['-f', '-'], { input: fwRuleset, check: true });
      return t;
    } catch (error) {
      await t.destroy();
      throw error;
    }
  }

  /** Starts a long-running program in a namespace; it is killed (by pid) in destroy(). */
  spawnIn(ns: Netns, cmd: string, args: readonly string[]): ChildProcess {
    const child = spawn('ip', ['netns', 'exec', ns.name, cmd, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    this.children.push(child);
    return child;
  }

  async destroy(): Promise<void> {
    for (const child of this.children) {
      if (child.exitCode === null && child.pid !== undefined) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGKILL');
        await exited;
      }
    }
    await Promise.all([this.client.destroy(), this.fw.destroy(), this.server.destroy()]);
  }
}

/** Resolves with the first chunk of output that contains `text`, or rejects after `ms`. */
export function waitForOutput(child: ChildProcess, text: string, ms = 10_000): Promise<string> {
  return new Promise((resolve, reject) => {
    let seen = '';
    const timer = setTimeout(() => reject(new Error(`no "${text}" within ${ms} ms; got: ${seen}`)), ms);
    child.stdout?.on('data', (d: Buffer) => {
      seen += d.toString();
      if (seen.includes(text)) {
        clearTimeout(timer);
        resolve(seen);
      }
    });
  });
}
