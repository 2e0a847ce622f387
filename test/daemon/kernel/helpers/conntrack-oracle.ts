// The conntrack tool as the oracle: `conntrack -L -o xml,id,labels` parsed into comparable
// flows, with the ICMP type/code/id (which the XML leaves out) taken from `-o extended,id` by
// flow id. The tool prints labels only by name from /etc/xtables/connlabel.conf, which Debian
// does not ship: every call runs in a private mount namespace where an overlay on /etc adds one
// (label N is named "lN"); the host's /etc is never touched.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { run, type RunResult } from '../../../helpers/tools.js';
import type { Netns } from './netns.js';

const LABEL_MAP = Array.from({ length: 128 }, (_, n) => `${n} l${n}`).join('\\n');

/** Runs `conntrack args` inside `ns`, with a label map in place. */
export async function conntrack(ns: Pick<Netns, 'name'>, args: readonly string[], input?: string): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'h5k-labels-'));
  try {
    const quoted = args.map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const script = [
      `mount -t tmpfs tmpfs ${dir}`,
      `mkdir -p ${dir}/up/xtables ${dir}/work`,
      `printf '${LABEL_MAP}\\n' > ${dir}/up/xtables/connlabel.conf`,
      `mount -t overlay overlay -o lowerdir=/etc,upperdir=${dir}/up,workdir=${dir}/work /etc`,
      `exec ip netns exec ${ns.name} conntrack ${quoted}`,
    ].join(' && ');
    return await run('unshare', ['--mount', '--propagation', 'private', 'sh', '-c', script], input === undefined ? {} : { input });
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

export interface OracleTuple {
  src: string;
  dst: string;
  proto: number;
  sport?: number;
  dport?: number;
  icmpType?: number;
  icmpCode?: number;
  icmpId?: number;
  /** The zone of this direction alone (`<zone>` inside the direction's meta). */
  zone?: number;
}

export interface OracleFlow {
  id: number;
  family: 'ipv4' | 'ipv6';
  orig: OracleTuple;
  reply: OracleTuple;
  /** The <state> text as printed (for SCTP the tool prints TCP names by number, see stateNumber). */
  state?: string;
  timeout: number;
  mark: number;
  zone: number;
  assured: boolean;
  unreplied: boolean;
  labels: number[];
  helper?: string;
}

const TCP_NAMES = ['NONE', 'SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2'];

/** The state number behind the XML's <state>: libnetfilter_conntrack prints every protocol's state with the TCP names. */
export function stateNumber(name: string): number {
  return TCP_NAMES.indexOf(name);
}

function tag(text: string, name: string): string | undefined {
  const m = new RegExp(`<${name}>([^<]*)</${name}>`).exec(text);
  return m?.[1];
}

function tuple(meta: string): OracleTuple & { family: 'ipv4' | 'ipv6' } {
  const l3 = /<layer3 protonum="(\d+)"[^>]*>(.*?)<\/layer3>/.exec(meta);
  const l4 = /<layer4 protonum="(\d+)"[^>]*>(.*?)<\/layer4>/.exec(meta);
  if (l3 === null || l4 === null) throw new Error(`unexpected conntrack XML: ${meta}`);
  const t: OracleTuple & { family: 'ipv4' | 'ipv6' } = {
    family: l3[1] === '2' ? 'ipv4' : 'ipv6',
    src: tag(l3[2] as string, 'src') as string,
    dst: tag(l3[2] as string, 'dst') as string,
    proto: Number(l4[1]),
  };
  const sport = tag(l4[2] as string, 'sport');
  const dport = tag(l4[2] as string, 'dport');
  const srckey = tag(l4[2] as string, 'srckey');
  const dstkey = tag(l4[2] as string, 'dstkey');
  if (sport !== undefined) t.sport = Number(sport);
  if (dport !== undefined) t.dport = Number(dport);
  if (srckey !== undefined) t.sport = Number(srckey);
  if (dstkey !== undefined) t.dport = Number(dstkey);
  const zone = tag(meta.replace(/<layer3 .*<\/layer4>/, ''), 'zone');
  if (zone !== undefined) t.zone = Number(zone);
  return t;
}

export function parseConntrackXml(xml: string): OracleFlow[] {
  const flows: OracleFlow[] = [];
  for (const m of xml.matchAll(/<flow>(.*?)<\/flow>/g)) {
    const body = m[1] as string;
    const orig = /<meta direction="original">(.*?)<\/meta>/.exec(body)?.[1] as string;
    const reply = /<meta direction="reply">(.*?)<\/meta>/.exec(body)?.[1] as string;
    const independent = /<meta direction="independent">(.*?)<\/meta>/.exec(body)?.[1] as string;
    const { family, ...o } = tuple(orig);
    const { family: _f, ...r } = tuple(reply);
    const state = tag(independent, 'state');
    flows.push({
      id: Number(tag(independent, 'id')),
      family,
      orig: o,
      reply: r,
      ...(state === undefined ? {} : { state }),
      timeout: Number(tag(independent, 'timeout')),
      mark: Number(tag(independent, 'mark') ?? 0),
      zone: Number(tag(independent, 'zone') ?? 0),
      assured: independent.includes('<assured/>'),
      unreplied: independent.includes('<unreplied/>'),
      labels: [...independent.matchAll(/<label>l(\d+)<\/label>/g)].map((l) => Number(l[1])).sort((a, b) => a - b),
      ...(tag(body, 'helper') === undefined ? {} : { helper: tag(body, 'helper') as string }),
    });
  }
  return flows;
}

/** ICMP fields per flow id from the extended text output ("type=8 code=0 id=77 ... id=<flow id>"). */
export function parseIcmpFields(text: string): Map<number, { orig: Partial<OracleTuple>; reply: Partial<OracleTuple> }> {
  const out = new Map<number, { orig: Partial<OracleTuple>; reply: Partial<OracleTuple> }>();
  for (const line of text.split('\n')) {
    const icmp = [...line.matchAll(/type=(\d+) code=(\d+) id=(\d+)/g)];
    const flowId = /\bid=(\d+)\s*$/.exec(line.trim());
    if (icmp.length !== 2 || flowId === null) continue;
    const f = (m: RegExpMatchArray): Partial<OracleTuple> => ({ icmpType: Number(m[1]), icmpCode: Number(m[2]), icmpId: Number(m[3]) });
    out.set(Number(flowId[1]), { orig: f(icmp[0] as RegExpMatchArray), reply: f(icmp[1] as RegExpMatchArray) });
  }
  return out;
}

/** Every flow in the namespace as the conntrack tool sees it. */
export async function listFlows(ns: Pick<Netns, 'name'>): Promise<OracleFlow[]> {
  const xml = await conntrack(ns, ['-L', '-o', 'xml,id,labels']);
  const text = await conntrack(ns, ['-L', '-o', 'extended,id']);
  if (xml.exitCode !== 0 || text.exitCode !== 0) throw new Error(`conntrack -L failed: ${xml.stderr}${text.stderr}`);
  const icmp = parseIcmpFields(text.stdout);
  return parseConntrackXml(xml.stdout).map((flow) => {
    const extra = icmp.get(flow.id);
    return extra === undefined ? flow : { ...flow, orig: { ...flow.orig, ...extra.orig }, reply: { ...flow.reply, ...extra.reply } };
  });
}

/**
 * `conntrack -R` with `lines` (each a conntrack command line). The tool opens /dev/stdin by
 * path, which fails on the socket pair Node gives a child as stdin, so the lines go through a
 * temporary file.
 */
export async function conntrackLoad(ns: Netns, lines: string): Promise<RunResult> {
  const dir = await mkdtemp(join(tmpdir(), 'h5k-load-'));
  try {
    const file = join(dir, 'flows');
    await writeFile(file, lines);
    return await ns.exec('conntrack', ['-R', file]);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}
