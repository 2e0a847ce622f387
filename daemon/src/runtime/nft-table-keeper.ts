// Keeps HALF's nftables table loaded while half-syncd runs. A reload of the admin's own ruleset
// (Debian's /etc/nftables.conf starts with `flush ruleset`; `systemctl reload nftables`) takes
// `table inet half` with it, and with it the takeover guard and the sync port's filter: the next
// takeover could then draw RSTs, and turning the guard on or off would fail. Every
// CHECK_INTERVAL_MS, and when asked (SIGHUP, which the unit sends when nftables reloads), the
// keeper checks that the table is there; if not, it loads it again and puts the guard back as
// the failover plans last set it. A guard change that failed (nft tried three times by the
// failover executor) is made again at each check until it holds. The table comes from the file the unit loads at start (beside
// half.conf: /etc/half/half.nft, the admin's edits included), else from half.conf's rendering.
import { readFile } from 'node:fs/promises';
import { failureFields } from './failure-fields.js';
import type { HalfConfig } from '../config/half-conf.js';
import { nftFileBeside } from '../config/node-files.js';
import { NFT_TABLE, renderNftRuleset } from '../config/nft-ruleset.js';
import { ToolError } from '../errors.js';
import type { Logger } from '../metrics/logger.js';
import { runTool } from '../tools/run-tool.js';

export const CHECK_INTERVAL_MS = 10_000;

/** The nft operations the keeper needs (NftTable below; tests fake it). */
export interface NftTableOps {
  exists(): Promise<boolean>;
  load(): Promise<void>;
}

/** The guard as the failover plans last set it (undefined: never set since start). */
export interface GuardState {
  readonly wanted: boolean | undefined;
  /** The guard as last asked for, after the changes asked before (NftGuard.restore). */
  restore(): Promise<boolean>;
  /** After a failed change, the guard as last asked for; whether it changed anything (NftGuard.settle). */
  settle(): Promise<boolean>;
}

export class NftTableKeeper {
  readonly counters = { checks: 0, reloads: 0, failures: 0, guardSettled: 0 };
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;

  constructor(
    private readonly table: NftTableOps,
    private readonly guard: GuardState,
    private readonly logger: Logger,
    private readonly intervalMs = CHECK_INTERVAL_MS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check('periodic'), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }

  /** Checks (one check at a time: a second caller waits for the running one). Never rejects. */
  check(reason: string): Promise<void> {
    this.running ??= this.run(reason).finally(() => (this.running = undefined));
    return this.running;
  }

  private async run(reason: string): Promise<void> {
    this.counters.checks++;
    try {
      if (!(await this.table.exists())) {
        await this.table.load();
        const on = await this.guard.restore();
        this.counters.reloads++;
        this.logger.warn(`table inet ${NFT_TABLE} was gone (an nftables reload or flush?): loaded it again`, { reason, guard: on ? 'on' : 'off' });
        return;
      }
    } catch (error) {
      this.counters.failures++;
      this.logger.error(`cannot check or load table inet ${NFT_TABLE}`, { reason, ...failureFields(error) });
      return;
    }
    try {
      if (await this.guard.settle()) {
        this.counters.guardSettled++;
        this.logger.warn('takeover guard set as the failover plans last asked, after a change that failed', { reason, guard: this.guard.wanted === true ? 'on' : 'off' });
      }
    } catch (error) {
      this.counters.failures++;
      this.logger.error('cannot set the takeover guard as the failover plans last asked; trying again at the next check', { reason, ...failureFields(error) });
    }
  }
}

export { nftFileBeside };

/** `table inet half` through nft(8): the file beside half.conf when there is one, else half.conf's rendering. */
export class NftTable implements NftTableOps {
  constructor(
    private readonly config: HalfConfig,
    private readonly command: readonly string[] = ['nft'],
  ) {}

  /**
   * Whether the table is loaded. Only nft's own answer that it is not (ENOENT: "No such file or
   * directory") says so; nft that could not run, or failed otherwise, is an error: taken for a
   * missing table, it had the table loaded again with the guard off (review).
   */
  async exists(): Promise<boolean> {
    const result = await this.nft(['list', 'table', 'inet', NFT_TABLE]);
    if (result.exitCode === 0) return true;
    if (result.exitCode > 0 && /No such file or directory/.test(result.stderr)) return false;
    throw new ToolError(`cannot tell whether table inet ${NFT_TABLE} is loaded: nft list table: ${result.stderr || `exit ${result.exitCode}`}`, { hint: 'check that nft runs (apt-get install nftables) and that half-syncd may use it' });
  }

  async load(): Promise<void> {
    const file = nftFileBeside(this.config.source);
    const text = await readFile(file, 'utf8').catch(() => renderNftRuleset(this.config));
    const result = await this.nft(['-f', '-'], text);
    if (result.exitCode !== 0) throw new ToolError(`nft -f refused table inet ${NFT_TABLE}: ${result.stderr.trim()}`);
  }

  private async nft(args: readonly string[], input?: string): Promise<{ exitCode: number; stderr: string }> {
    const [file, ...prefix] = this.command;
    if (file === undefined) throw new ToolError('NftTable: empty nft command');
    const result = await runTool(file, [...prefix, ...args], input === undefined ? {} : { input });
    // nft that could not run at all (not installed, not in PATH) leaves stderr empty: the run says why.
    return { exitCode: result.code ?? -1, stderr: result.stderr.trim() || (result.error ?? '') };
  }
}
