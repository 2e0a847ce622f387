// The reference FirewallStack: Debian's conntrackd (FT-FW over UDP on the sync link) and
// keepalived (VRRP sync group of both VIPs, notify script driving conntrackd), from the host,
// run inside each firewall's namespace with per-node configuration, lock, socket, pid and log
// files. With `replicate: false` it runs keepalived alone: the control run that must lose flows.
import { createWriteStream } from 'node:fs';
import { chmod, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { NsChild } from '../../../helpers/netns.js';
import { requireTool, run } from '../../../helpers/tools.js';
import type { FirewallName } from './addresses.js';
import { missingFromReplica, parseTable } from './conntrack-table.js';
import { renderConntrackdConf } from './conntrackd-conf.js';
import { ADVERT_INT_S, PREEMPT_DELAY_S, renderKeepalivedConf } from './keepalived-conf.js';
import { parseNotifyLog, renderNotifyScript } from './notify-script.js';
import { stopProcesses, waitUntil } from './processes.js';
import type { FirewallNode, FirewallStack, TakeoverRecord } from './stack.js';
import { holdsVips } from './vip.js';

export interface ConntrackdStackOptions {
  /** false: keepalived only, nothing replicated (the control run). */
  readonly replicate: boolean;
  /** conntrackd's HashLimit (entries per cache). Default 262144. */
  readonly hashLimit?: number;
  readonly advertIntS?: number;
}

/** Entries of the active table that are never replicated (VRRP, the sync channel itself). */
const UNREPLICATED_SLACK = 16;

interface NodeFiles {
  readonly conntrackdConf: string;
  readonly keepalivedConf: string;
  readonly notifyScript: string;
  readonly notifyLog: string;
  readonly lockFile: string;
  readonly socket: string;
}

interface Started {
  readonly node: FirewallNode;
  readonly files: NodeFiles;
  readonly children: NsChild[];
}

export class ConntrackdStack implements FirewallStack {
  readonly label: string;
  readonly replicates: boolean;
  private readonly started = new Map<FirewallName, Started>();

  constructor(private readonly options: ConntrackdStackOptions) {
    this.replicates = options.replicate;
    this.label = options.replicate ? 'conntrackd + keepalived (Debian)' : 'keepalived only (no sync)';
    requireTool('keepalived');
    if (options.replicate) requireTool('conntrackd');
  }

  async details(): Promise<Record<string, string>> {
    const keepalived = (await run('keepalived', ['--version'])).stderr.match(/Keepalived v\S+/)?.[0] ?? 'keepalived ?';
    const conntrackd = (await run('conntrackd', ['-v'])).stdout.match(/v\d+(\.\d+)*/)?.[0] ?? '?';
    const vrrp = `VRRPv3 unicast, advert_int ${this.options.advertIntS ?? ADVERT_INT_S} s, preempt_delay ${PREEMPT_DELAY_S} s`;
    return { keepalived, ...(this.replicates ? { conntrackd: `conntrackd ${conntrackd} (FT-FW over UDP)` } : {}), vrrp };
  }

  async start(node: FirewallNode): Promise<void> {
    const { net, dir, addresses: fw } = node;
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const files: NodeFiles = {
      conntrackdConf: join(dir, 'conntrackd.conf'),
      keepalivedConf: join(dir, 'keepalived.conf'),
      notifyScript: join(dir, 'notify.sh'),
      notifyLog: join(dir, 'notify.log'),
      lockFile: join(dir, 'conntrackd.lock'),
      socket: join(dir, 'conntrackd.ctl'),
    };
    // a node that was switched off left its lock and socket behind; a reboot would clear them
    await rm(files.lockFile, { force: true });
    await rm(files.socket, { force: true });
    const children: NsChild[] = [];
    this.started.set(fw.name, { node, files, children });
    const logTo = (child: NsChild, name: string): void => {
      const out = createWriteStream(join(dir, name), { flags: 'a' });
      child.stdout?.pipe(out);
      child.stderr?.pipe(out);
    };

    if (this.replicates) {
      const conf = renderConntrackdConf(fw, { lockFile: files.lockFile, socket: files.socket, logFile: join(dir, 'conntrackd.log') }, { hashLimit: this.options.hashLimit ?? 262_144 });
      await writeFile(files.conntrackdConf, conf);
      const conntrackd = net.spawn(fw.name, ['conntrackd', '-C', files.conntrackdConf]);
      children.push(conntrackd);
      logTo(conntrackd, 'conntrackd.out');
      await waitUntil(async () => (await run('conntrackd', ['-C', files.conntrackdConf, '-s'])).exitCode === 0, 10_000, `conntrackd of ${fw.name} to answer on ${files.socket}`, () => conntrackd.exitCode !== null);
    }
    await writeFile(files.notifyScript, renderNotifyScript({ logFile: files.notifyLog, ...(this.replicates ? { conntrackdConf: files.conntrackdConf } : {}) }));
    await chmod(files.notifyScript, 0o755);
    await writeFile(files.keepalivedConf, renderKeepalivedConf(fw, { notifyScript: files.notifyScript, ...(this.options.advertIntS === undefined ? {} : { advertIntS: this.options.advertIntS }) }));
    const vrrpPid = join(dir, 'vrrp.pid');
    await rm(vrrpPid, { force: true });
    const keepalived = net.spawn(fw.name, ['keepalived', '--dont-fork', '--log-console', '--log-detail', '--no-syslog', '--vrrp', '--use-file', files.keepalivedConf, '--pid', join(dir, 'keepalived.pid'), '--vrrp_pid', vrrpPid]);
    children.push(keepalived);
    logTo(keepalived, 'keepalived.out');
    await waitUntil(async () => (await readFile(vrrpPid, 'utf8').catch(() => '')).trim() !== '', 10_000, `keepalived of ${fw.name} to start its VRRP process`, () => keepalived.exitCode !== null);
  }

  async isSynced(): Promise<boolean> {
    if (!this.replicates) return true;
    const nodes = [...this.started.values()].filter((s) => s.children.every((c) => c.exitCode === null && c.signalCode === null));
    let active: Started | undefined;
    for (const s of nodes) if ((await holdsVips(s.node.net, s.node.addresses.name)).lan) active = s;
    const standby = nodes.find((s) => s !== active);
    if (active === undefined || standby === undefined) return false;
    // cheap first: while the replica holds clearly fewer entries than the table, do not compare
    // the two (at scale each listing is 100,000 lines of CPU the traffic needs)
    const count = Number((await active.node.net.exec(active.node.addresses.name, ['conntrack', '-C'], { check: true })).stdout.trim());
    const stats = await run('conntrackd', ['-C', standby.files.conntrackdConf, '-s']);
    const external = Number(/cache external:\s*\ncurrent active connections:\s*(\d+)/.exec(stats.stdout)?.[1] ?? 0);
    if (external < count - UNREPLICATED_SLACK) return false;
    const table = await active.node.net.exec(active.node.addresses.name, ['conntrack', '-L'], { check: true });
    const replica = await run('conntrackd', ['-C', standby.files.conntrackdConf, '-e']);
    if (replica.exitCode !== 0) return false;
    const fw = active.node.addresses;
    const ignored = ['127.0.0.1', fw.lan, fw.wan, fw.sync];
    return missingFromReplica(parseTable(table.stdout), parseTable(replica.stdout), ignored).length === 0;
  }

  async takeovers(): Promise<readonly TakeoverRecord[]> {
    const records: TakeoverRecord[] = [];
    for (const [node, s] of this.started) {
      const log = parseNotifyLog(await readFile(s.files.notifyLog, 'utf8').catch(() => ''));
      log.forEach((entry, i) => {
        if (entry.event !== 'notify primary') return;
        const rest = log.slice(i + 1);
        const next = rest.findIndex((e) => e.event.startsWith('notify '));
        const mine = next < 0 ? rest : rest.slice(0, next);
        const start = mine.find((e) => e.event === 'commit-start')?.at;
        const end = mine.find((e) => e.event === 'commit-end')?.at;
        records.push({ node, notifiedAt: entry.at, ...(start === undefined ? {} : { commitStartedAt: start }), ...(end === undefined ? {} : { commitEndedAt: end }) });
      });
    }
    return records.sort((a, b) => a.notifiedAt - b.notifiedAt);
  }

  async stop(): Promise<void> {
    await stopProcesses([...this.started.values()].flatMap((s) => s.children));
  }
}
