// HALF as a FirewallStack: each firewall runs what `apt-get install half` put into its own Debian
// rootfs, configured by preseeded debconf answers as an admin would (../half-node.ts), started
// as the packages' systemd units would start it (../half-services.ts) inside the firewall's
// namespace, so the harness's fault injection reaches every process. The repository comes from
// the real `half-repo build` served on 127.0.0.1 (../half-repository.ts), unless one is given.
//   - halfone (primary) is installed first and makes the cluster key; halftwo (backup) is
//     preseeded with it, as halfone's postinst tells the admin to do;
//   - a node switched off and on again boots from its installed rootfs (no reinstall);
//   - isSynced() asks both half-syncd's through `half status --json` (../half-sync-check.ts);
//   - takeovers() and resyncReportedAt() read each half-syncd's log (../half-syncd-log.ts);
//   - with `replicate: false` half-syncd is never started (keepalived as installed, no state).
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { parseClusterKey } from '../../../../daemon/src/config/cluster-key.js';
import { decodeDaemonStatus } from '../../../../daemon/src/control/status-decode.js';
import type { DaemonStatus } from '../../../../daemon/src/control/status-model.js';
import type { DebianSuite } from '../../../helpers/chroot.js';
import { setAdvertInterval } from '../half-admin.js';
import { installHalfNode, type HalfNode, type ServedRepository } from '../half-node.js';
import { halfPreseed } from '../half-preseed.js';
import { buildServedRepository, type BuiltRepository } from '../half-repository.js';
import { bootServices, type BootedServices } from '../half-services.js';
import { replicatedFlows, standbyHoldsActive } from '../half-sync-check.js';
import { resyncDoneAt, takeoversFromLog, parseLog, type HalfTakeover } from '../half-syncd-log.js';
import { startSyslogSink, type SyslogSink } from '../half-syslog.js';
import type { FirewallName } from './addresses.js';
import { parseTable } from './conntrack-table.js';
import { stopProcesses } from './processes.js';
import type { FirewallNode, FirewallStack } from './stack.js';
import { holdsVips } from './vip.js';

export interface HalfStackOptions {
  /** Debian release of the firewalls' rootfs. Default bookworm. */
  readonly suite?: DebianSuite;
  /** A repository already built by `half-repo build` and served (default: build and serve one). */
  readonly repo?: ServedRepository;
  /** false: half-syncd is not started, keepalived runs alone (the control run). Default true. */
  readonly replicate?: boolean;
  /** Set `[vrrp] advert-interval` in half.conf and run `half configure` (default: as installed, 1 s). */
  readonly advertIntervalS?: number;
}

/** What happened on a node, kept after stop() for the test to look at. */
export interface HalfNodeRecord {
  readonly node: FirewallName;
  /** What `apt-get install half` printed inside the node (postinst's report included). */
  readonly install: string;
  /** Each boot's command lines, as read from the installed units (see ../half-services.ts). */
  readonly boots: BootedServices['commands'][];
}

interface Installed {
  readonly node: HalfNode;
  readonly sink: SyslogSink;
  fw: FirewallNode;
  services: BootedServices | undefined;
}

/** The primary's cluster key as the hex digits an admin copies to the next node. */
async function clusterKeyOf(node: HalfNode): Promise<string> {
  const parsed = parseClusterKey(await node.root.readFile('/etc/half/cluster.key'));
  if (!parsed.ok) throw new Error(`/etc/half/cluster.key on ${node.name} ${parsed.message}`);
  return Buffer.from(parsed.key).toString('hex');
}

export class HalfStack implements FirewallStack {
  readonly label: string;
  readonly replicates: boolean;
  /** Why the last isSynced() said no (for logs and test messages). */
  lastSyncCheck = '';
  /** Every node installed by this stack, in order. */
  readonly records: HalfNodeRecord[] = [];
  private readonly nodes = new Map<FirewallName, Installed>();
  private built: BuiltRepository | undefined;

  constructor(readonly options: HalfStackOptions = {}) {
    this.replicates = options.replicate ?? true;
    this.label = this.replicates ? 'HALF (half-syncd + keepalived, installed by apt)' : 'HALF keepalived only (half-syncd stopped)';
  }

  private async repository(): Promise<ServedRepository> {
    if (this.options.repo !== undefined) return this.options.repo;
    return (this.built ??= await buildServedRepository());
  }

  private async install(fw: FirewallNode): Promise<Installed> {
    const name = fw.addresses.name;
    const primary = this.nodes.get('halfone');
    if (name === 'halftwo' && primary === undefined) throw new Error('HalfStack: halfone (the primary) must be installed before halftwo, which joins its cluster');
    const key = primary === undefined ? undefined : await clusterKeyOf(primary.node);
    const node = await installHalfNode({ net: fw.net, name, suite: this.options.suite ?? 'bookworm', repo: await this.repository(), preseed: halfPreseed(fw.addresses, name === 'halfone' ? undefined : key) });
    try {
      if (this.options.advertIntervalS !== undefined) await setAdvertInterval(node, this.options.advertIntervalS);
      const sink = await startSyslogSink(await node.root.hostPath('/dev/log'), join(fw.dir, 'keepalived.log'));
      return { node, sink, fw, services: undefined };
    } catch (error) {
      await node.cleanup();
      throw error;
    }
  }

  async start(fw: FirewallNode): Promise<void> {
    await mkdir(fw.dir, { recursive: true, mode: 0o700 });
    const name = fw.addresses.name;
    let installed = this.nodes.get(name);
    if (installed === undefined) {
      installed = await this.install(fw);
      this.nodes.set(name, installed);
      this.records.push({ node: name, install: installed.node.install.stdout, boots: [] });
    }
    installed.fw = fw;
    if (installed.services !== undefined) await stopProcesses(installed.services.children);
    installed.services = await bootServices({ net: fw.net, node: installed.node, dir: fw.dir, syncd: this.replicates });
    this.records.find((r) => r.node === name)?.boots.push(installed.services.commands);
  }

  /** The nodes whose services all still run (a switched-off node's were killed). */
  private running(): Installed[] {
    return [...this.nodes.values()].filter((n) => n.services !== undefined && n.services.children.every((c) => c.exitCode === null && c.signalCode === null));
  }

  private async status(n: Installed): Promise<DaemonStatus | undefined> {
    const r = await n.node.inNode(['half', 'status', '--json']);
    if (r.exitCode !== 0) return undefined;
    try {
      const decoded = decodeDaemonStatus(JSON.parse(r.stdout) as unknown);
      return decoded.ok ? decoded.status : undefined;
    } catch {
      return undefined; // not JSON: counts as no answer, like a failed call
    }
  }

  async isSynced(): Promise<boolean> {
    if (!this.replicates) return true;
    const nodes = this.running();
    let active: Installed | undefined;
    for (const n of nodes) if ((await holdsVips(n.fw.net, n.fw.addresses.name)).lan) active = n;
    const standby = nodes.find((n) => n !== active);
    if (active === undefined || standby === undefined) return this.no('no active and standby pair running');
    const [a, s] = [await this.status(active), await this.status(standby)];
    if (a === undefined || s === undefined) return this.no('half status failed on a node');
    // cheap first: the standby's copy cannot be complete while it is smaller than the table
    const copy = s.peers.find((p) => p.nodeId === a.node.id)?.externalEntries ?? 0;
    if (a.tables.kernel !== null && copy < a.tables.kernel - 16) return this.no(`standby holds ${copy} entries, the active table ${a.tables.kernel}`);
    const fw = active.fw.addresses;
    const table = await active.fw.net.exec(fw.name, ['conntrack', '-L'], { check: true });
    const verdict = standbyHoldsActive(a, s, replicatedFlows(parseTable(table.stdout), ['127.0.0.1', fw.lan, fw.wan, fw.sync, fw.peerSync]));
    return verdict.synced || this.no(verdict.why);
  }

  private no(why: string): false {
    this.lastSyncCheck = why;
    return false;
  }

  async resyncReportedAt(node: FirewallName, since: number): Promise<number | undefined> {
    const n = this.nodes.get(node);
    if (n === undefined) return undefined;
    return resyncDoneAt(parseLog(await readFile(join(n.fw.dir, 'half-syncd.log'), 'utf8').catch(() => '')), since);
  }

  async takeovers(): Promise<readonly HalfTakeover[]> {
    const all: HalfTakeover[] = [];
    for (const [name, n] of this.nodes) all.push(...takeoversFromLog(name, parseLog(await readFile(join(n.fw.dir, 'half-syncd.log'), 'utf8').catch(() => ''))));
    return all.sort((x, y) => x.notifiedAt - y.notifiedAt);
  }

  async details(): Promise<Record<string, string>> {
    const n = this.nodes.get('halfone') ?? [...this.nodes.values()][0];
    if (n === undefined) return {};
    const q = async (cmd: string[]): Promise<string> => (await n.node.inNode(cmd)).stdout.trim();
    const versions = await q(['dpkg-query', '-W', '-f', '${Package} ${Version}\\n', 'half', 'half-syncd', 'keepalived']);
    const keepalived = /Keepalived v\S+/.exec((await n.node.inNode(['keepalived', '--version'])).stderr)?.[0] ?? 'keepalived ?';
    const conf = await n.node.root.readFile('/etc/keepalived/keepalived.conf');
    const advert = /advert_int (\S+)/.exec(conf)?.[1] ?? '?';
    const gate = /track_file half_resync \{\s*file (\S+)/.exec(conf)?.[1];
    const preempt = `${conf.includes('nopreempt') ? 'no preemption' : 'preempt without delay'}${gate === undefined ? '' : `, priority 1 while half-syncd's ${gate} says its resync is pending`}`;
    return {
      packages: `${versions.split('\n').join(', ')} (apt-get install half from half-repo build, Debian ${this.options.suite === 'trixie' ? 13 : 12} rootfs)`,
      keepalived,
      vrrp: `VRRPv3 multicast on lan0 and wan0 (sync group), advert_int ${advert} s, ${preempt} (as half configure renders it)`,
      sync: this.replicates ? 'half-syncd external-cache mode, UDP 3781 unicast on sync0, takeover guard in table inet half' : 'none: half-syncd not started',
    };
  }

  async stop(): Promise<void> {
    const nodes = [...this.nodes.values()];
    this.nodes.clear();
    await stopProcesses(nodes.flatMap((n) => n.services?.children ?? []));
    for (const n of nodes) {
      await n.sink.stop().catch(() => undefined);
      await n.node.cleanup();
    }
    await this.built?.close();
    this.built = undefined;
  }
}
