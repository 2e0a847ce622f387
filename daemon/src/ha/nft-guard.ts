// The takeover guard, switched through nft(8): one `nft -f -` transaction adds or removes the
// `tcp` element of set `guard` and the `ipv4, ipv6` elements of set `hold_new` in
// `table inet half` (rendered by config/nft-ruleset.ts, which explains what the guard drops and
// why). Changes run one at a time, in the order asked for, so the last one asked for is the one
// that holds (a failover plan and the table keeper may both change the guard at once).
import { ToolError } from '../errors.js';
import { NFT_TABLE, renderGuardCommand } from '../config/nft-ruleset.js';
import { runTool } from '../tools/run-tool.js';

/** Role: keep the local stack from answering stateless packets during a commit. */
export interface TakeoverGuard {
  on(): Promise<void>;
  off(): Promise<void>;
}

export interface NftGuardOptions {
  /** The nft command line before its arguments; default ['nft']. Tests prefix `ip netns exec NS`. */
  readonly command?: readonly string[];
}

export class NftGuard implements TakeoverGuard {
  private readonly command: readonly string[];
  /** The state last asked for (undefined before the first): what a reloaded table must get back. */
  wanted: boolean | undefined;
  /** The last change failed: the guard may not be as `wanted` until settle() or restore() sets it. */
  unsettled = false;
  private queue: Promise<unknown> = Promise.resolve();

  constructor(options: NftGuardOptions = {}) {
    this.command = options.command ?? ['nft'];
  }

  on(): Promise<void> {
    return this.apply(true);
  }

  off(): Promise<void> {
    return this.apply(false);
  }

  /** Packets dropped by the guard since the table was loaded. */
  async dropped(): Promise<number> {
    const out = await this.nft(['-j', 'list', 'counter', 'inet', NFT_TABLE, 'guard_dropped'], undefined, 'read the guard counter');
    const packets = listed(out, 'counter')?.['packets'];
    if (typeof packets !== 'number') throw new ToolError(`nft printed no packet count for counter guard_dropped: ${out.slice(0, 200)}`);
    return packets;
  }

  /** Whether the guard is on (the set holds tcp). */
  async isOn(): Promise<boolean> {
    const out = await this.nft(['-j', 'list', 'set', 'inet', NFT_TABLE, 'guard'], undefined, 'read the guard set');
    const elements = listed(out, 'set')?.['elem'];
    return Array.isArray(elements) && elements.includes('tcp');
  }

  /**
   * Puts the guard back as last asked for, after the changes asked for before (a table loaded
   * again comes with the guard off). `wanted` is read when it runs, so a change asked for
   * meanwhile is not undone. Resolves to whether it turned the guard on.
   */
  restore(): Promise<boolean> {
    return this.serial(async () => {
      if (this.wanted !== true) {
        this.unsettled = false; // a table loaded again has the guard off, as wanted
        return false;
      }
      await this.change(true, 'turn the takeover guard on again');
      return true;
    });
  }

  /**
   * After a failed change (`unsettled`), sets the guard as last asked for; the table keeper calls
   * it at each check, since a guard left on holds every new forwarded connection and nothing else
   * would try before the next transition. Resolves to whether it changed anything.
   */
  settle(): Promise<boolean> {
    return this.serial(async () => {
      if (!this.unsettled || this.wanted === undefined) return false;
      await this.change(this.wanted, `set the takeover guard ${this.wanted ? 'on' : 'off'} again`);
      return true;
    });
  }

  private async apply(on: boolean): Promise<void> {
    this.wanted = on;
    await this.serial(() => this.change(on, `turn the takeover guard ${on ? 'on' : 'off'}`));
  }

  /** One guard change through nft, noting whether it failed. */
  private async change(on: boolean, what: string): Promise<void> {
    try {
      await this.nft(['-f', '-'], renderGuardCommand(on), what);
      this.unsettled = false;
    } catch (error) {
      this.unsettled = true;
      throw error;
    }
  }

  /** Runs `job` once every change asked for before it has run. */
  private serial<T>(job: () => Promise<T>): Promise<T> {
    const result = this.queue.then(job);
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async nft(args: readonly string[], input: string | undefined, what: string): Promise<string> {
    const [file, ...prefix] = this.command;
    if (file === undefined) throw new ToolError('NftGuard: empty nft command');
    const result = await runTool(file, [...prefix, ...args], input === undefined ? {} : { input });
    if (result.code !== 0) {
      throw new ToolError(`nft could not ${what}: ${result.stderr.trim() || (result.error ?? '')}`, {
        hint: `is table inet ${NFT_TABLE} loaded, with its sets guard and hold_new? \`half configure\` loads it (nft -f with the rendered ruleset); an /etc/half/half.nft edited by hand may lack them after an upgrade: merge /etc/half/half.nft.half into it, then restart half-syncd`,
      });
    }
    return result.stdout;
  }
}

/** The first object of kind `kind` in `nft -j list` output. */
function listed(json: string, kind: string): Record<string, unknown> | undefined {
  try {
    const items = (JSON.parse(json) as { nftables?: Record<string, unknown>[] }).nftables ?? [];
    const found = items.find((item) => kind in item)?.[kind];
    return typeof found === 'object' && found !== null ? (found as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}
