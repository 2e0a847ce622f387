// The ruleset evaluator over nft's JSON shapes: base chains in hook and priority order, accept
// ending one chain only, drop final, jump/goto/return, verdict maps, named sets, and `maybe`
// when a rule looks at what the probe does not know. The same evaluator is checked against the
// kernel's own verdicts in nft-verdict-kernel.test.ts.
import { describe, expect, it } from 'vitest';
import type { ProbePacket } from '../../../daemon/src/doctor/nft-match.js';
import { evaluatePacket, inputChains } from '../../../daemon/src/doctor/nft-verdict.js';
import { parseNftJson } from '../../../daemon/src/doctor/nft-ruleset.js';
import { m, ruleset, type ChainSpec } from './fixtures/facts.js';

const VRRP: ProbePacket = { family: 4, l4proto: 112, iifname: 'sync0', saddr: '203.0.113.2', daddr: '203.0.113.1', pkttype: 'host' };
const SYNC: ProbePacket = { family: 4, l4proto: 17, sport: 3781, dport: 3781, iifname: 'sync0', saddr: '203.0.113.2', daddr: '203.0.113.1', pkttype: 'host' };
const UNKNOWN_VRRP: ProbePacket = { family: 4, l4proto: 112 };
const input = (policy: 'accept' | 'drop', rules: ChainSpec['rules'], extra: Partial<ChainSpec> = {}): ChainSpec => ({ name: 'input', hook: 'input', policy, rules, ...extra });

describe('evaluatePacket', () => {
  it('accepts when no chain filters input', () => {
    expect(evaluatePacket(ruleset([]), VRRP)).toEqual({ verdict: 'accepted', chains: [] });
    expect(evaluatePacket(ruleset([{ name: 'output', hook: 'output', policy: 'drop', rules: [] }]), VRRP).verdict).toBe('accepted');
  });

  it('drops by policy when no rule accepts, naming the chain', () => {
    const rs = ruleset([input('drop', [[m.ctState(['established', 'related']), m.accept], [m.iif('lo'), m.accept], [m.tcpDport(22), m.accept]])]);
    expect(evaluatePacket(rs, VRRP)).toMatchObject({ verdict: 'dropped', by: 'inet filter input: policy drop', chain: 'inet filter input' });
    expect(evaluatePacket(rs, UNKNOWN_VRRP)).toMatchObject({ verdict: 'dropped', by: 'inet filter input: policy drop' });
  });

  it('accepts through a matching rule, by protocol name or number, in a set or alone', () => {
    for (const match of [m.l4proto('vrrp'), m.l4proto(112), m.ipProtocol('vrrp'), m.l4proto({ set: ['tcp', 'vrrp'] }), m.l4proto({ range: [100, 120] })]) {
      expect(evaluatePacket(ruleset([input('drop', [[match, m.accept]])]), VRRP).verdict).toBe('accepted');
    }
    expect(evaluatePacket(ruleset([input('drop', [[m.udpDport({ set: [22, { range: [3780, 3790] }] }), m.accept]])]), SYNC).verdict).toBe('accepted');
    expect(evaluatePacket(ruleset([input('drop', [[m.thDport(3781), m.accept]])]), SYNC).verdict).toBe('accepted');
  });

  it('names the rule that drops, even with policy accept', () => {
    const rs = ruleset([input('accept', [[m.tcpDport(22), m.accept], [m.l4proto('vrrp'), m.counter, m.drop]])]);
    const verdict = evaluatePacket(rs, VRRP);
    expect(verdict).toMatchObject({ verdict: 'dropped', chain: 'inet filter input' });
    expect(verdict.by).toMatch(/^inet filter input: rule handle \d+$/);
    expect(evaluatePacket(rs, SYNC).verdict).toBe('accepted');
  });

  it('treats a port match on another protocol as no match, not a maybe', () => {
    expect(evaluatePacket(ruleset([input('drop', [[m.udpDport(3781), m.accept]])]), VRRP).verdict).toBe('dropped');
    expect(evaluatePacket(ruleset([input('accept', [[m.udpDport(3781, '!='), m.drop]])]), VRRP).verdict).toBe('accepted');
    expect(evaluatePacket(ruleset([input('accept', [[m.thDport(22, '!='), m.drop]])]), VRRP).verdict).toBe('accepted');
  });

  it('matches interfaces (with wildcards) and source prefixes, ranges and negations', () => {
    const accepts = (rules: ChainSpec['rules']) => evaluatePacket(ruleset([input('drop', rules)]), VRRP).verdict;
    expect(accepts([[m.iifname('sync0'), m.accept]])).toBe('accepted');
    expect(accepts([[m.iifname('sync*'), m.accept]])).toBe('accepted');
    expect(accepts([[m.iifname({ set: ['lan0', 'wan0'] }), m.accept]])).toBe('dropped');
    expect(accepts([[m.saddr({ prefix: { addr: '203.0.113.0', len: 24 } }), m.accept]])).toBe('accepted');
    expect(accepts([[m.saddr({ range: ['203.0.113.1', '203.0.113.9'] }), m.accept]])).toBe('accepted');
    expect(accepts([[m.saddr('198.51.100.7'), m.accept]])).toBe('dropped');
    expect(accepts([[m.saddr('198.51.100.7', '!='), m.accept]])).toBe('accepted');
    expect(accepts([[m.ip6saddr('2001:db8::1'), m.accept]])).toBe('dropped');
  });

  it('says maybe when a rule depends on what the probe does not know', () => {
    const rs = ruleset([input('drop', [[m.iifname('lan0'), m.l4proto('vrrp'), m.accept]])]);
    expect(evaluatePacket(rs, UNKNOWN_VRRP)).toMatchObject({ verdict: 'maybe', chain: 'inet filter input' });
    expect(evaluatePacket(rs, UNKNOWN_VRRP).by).toMatch(/rule handle \d+ or inet filter input: policy drop/);
    expect(evaluatePacket(ruleset([input('drop', [[m.ctMark(1), m.accept]])]), VRRP).verdict).toBe('maybe');
    expect(evaluatePacket(ruleset([input('drop', [[{ limit: { rate: 10, per: 'second' } }, m.accept]])]), VRRP).verdict).toBe('maybe');
    // The loopback is never where a peer's packet comes from, known interface or not.
    expect(evaluatePacket(ruleset([input('drop', [[m.iifname('lo'), m.accept]])]), UNKNOWN_VRRP).verdict).toBe('dropped');
  });

  it('never throws on a null where nft\'s JSON has an object (half doctor printed a stack trace)', () => {
    const nullMatch = (left: Record<string, unknown>) => ({ match: { op: '==', left, right: 1 } });
    for (const rule of [[nullMatch({ meta: null }), m.accept], [nullMatch({ payload: null }), m.accept], [nullMatch({ ct: null }), m.accept], [{ vmap: null }], [{ jump: null }], [{ match: { op: '==', left: { payload: { protocol: 'ip', field: 'saddr' } }, right: { set: [{ prefix: null }] } } }, m.accept]]) {
      expect(() => evaluatePacket(ruleset([input('drop', [rule as never])]), VRRP), JSON.stringify(rule)).not.toThrow();
    }
  });

  it('follows jump (and returns), goto, and verdict maps', () => {
    const jumpAccept = ruleset([input('drop', [[m.jump('peers')]]), { name: 'peers', rules: [[m.l4proto('tcp'), m.ret], [m.saddr('203.0.113.2'), m.accept]] }]);
    expect(evaluatePacket(jumpAccept, VRRP).verdict).toBe('accepted');
    const jumpReturn = ruleset([input('drop', [[m.jump('peers')], [m.l4proto('vrrp'), m.accept]]), { name: 'peers', rules: [[m.saddr('198.51.100.1'), m.accept]] }]);
    expect(evaluatePacket(jumpReturn, VRRP).verdict).toBe('accepted');
    const gotoPolicy = ruleset([input('drop', [[m.goto('peers')], [m.l4proto('vrrp'), m.accept]]), { name: 'peers', rules: [] }]);
    expect(evaluatePacket(gotoPolicy, VRRP)).toMatchObject({ verdict: 'dropped', by: 'inet filter input: policy drop' });
    const vmap = (data: unknown) => ruleset([input('drop', [[{ vmap: { key: { meta: { key: 'l4proto' } }, data } }]])]);
    expect(evaluatePacket(vmap({ set: [['vrrp', m.accept], ['tcp', m.drop]] }), VRRP).verdict).toBe('accepted');
    expect(evaluatePacket(vmap({ set: [['udp', { jump: { target: 'nowhere' } }]] }), VRRP).verdict).toBe('dropped');
    expect(evaluatePacket(vmap({ set: [['vrrp', m.drop]] }), VRRP).verdict).toBe('dropped');
  });

  it('resolves named sets and maps of the rule\'s table', () => {
    const sets = [
      { name: 'peers', type: 'ipv4_addr', flags: ['interval'], elem: [{ prefix: { addr: '203.0.113.0', len: 28 } }, '198.51.100.1'] },
      { name: 'ports', type: 'inet_service', elem: [{ elem: { val: 3781, counter: { packets: 0, bytes: 0 } } }] },
      { name: 'empty', type: 'ifname' },
    ];
    const rs = ruleset([input('drop', [[m.saddr('@peers'), m.udpDport('@ports'), m.accept], [m.iifname('@empty'), m.accept]])], sets);
    expect(evaluatePacket(rs, SYNC).verdict).toBe('accepted');
    expect(evaluatePacket(rs, { ...SYNC, saddr: '192.0.2.1' }).verdict).toBe('dropped');
    expect(evaluatePacket(ruleset([input('drop', [[m.saddr('@missing'), m.accept]])]), SYNC).verdict).toBe('maybe');
  });

  it('needs every base chain to accept: accept in one table does not save a drop in another', () => {
    const rs = ruleset([
      input('accept', [[m.l4proto('vrrp'), m.accept]], { table: 'half', prio: -10 }),
      input('drop', [[m.tcpDport(22), m.accept]], { table: 'filter', prio: 0 }),
    ]);
    expect(evaluatePacket(rs, VRRP)).toMatchObject({ verdict: 'dropped', chain: 'inet filter input' });
    expect(inputChains(rs, 4).map((c) => `${c.table} ${c.prio}`)).toEqual(['half -10', 'filter 0']);
  });

  it('considers prerouting before input, and only the tables of the packet\'s family', () => {
    const rs = ruleset([
      input('accept', [], { family: 'ip6', table: 'six', policy: 'drop' }),
      { family: 'ip', table: 'raw', name: 'pre', hook: 'prerouting', prio: -300, policy: 'accept', rules: [[m.l4proto('vrrp'), m.drop]] },
      input('accept', [], { family: 'ip', table: 'filter' }),
    ]);
    expect(inputChains(rs, 4).map((c) => c.name)).toEqual(['pre', 'input']);
    expect(evaluatePacket(rs, VRRP)).toMatchObject({ verdict: 'dropped', chain: 'ip raw pre' });
  });

  it('meets an ingress chain before prerouting when it is the packet\'s device, and is unsure when the device is not known', () => {
    const ingress = (dev?: string | string[]): ChainSpec => ({ family: 'netdev', table: 'early', name: 'ingress', hook: 'ingress', prio: 0, policy: 'drop', rules: [], ...(dev === undefined ? {} : { dev }) });
    const pre: ChainSpec = { family: 'ip', table: 'raw', name: 'pre', hook: 'prerouting', prio: -300, policy: 'accept', rules: [] };
    expect(inputChains(ruleset([pre, ingress('sync0')]), 4, 'sync0').map((c) => c.name)).toEqual(['ingress', 'pre']);
    expect(evaluatePacket(ruleset([pre, ingress(['eth0', 'sync0'])]), VRRP)).toMatchObject({ verdict: 'dropped', chain: 'netdev early ingress' });
    expect(evaluatePacket(ruleset([pre, ingress('lo')]), VRRP).verdict).toBe('accepted');
    // nft 1.0.6 prints no device; a probe without an interface cannot tell either
    expect(evaluatePacket(ruleset([ingress()]), VRRP)).toMatchObject({ verdict: 'maybe', by: 'netdev early ingress: policy drop (for packets that come in on its device, which nft does not say)' });
    expect(evaluatePacket(ruleset([ingress('sync0')]), UNKNOWN_VRRP)).toMatchObject({ verdict: 'maybe', by: 'netdev early ingress: policy drop (for packets that come in on sync0)' });
  });

  it('does not loop on chains that jump to each other', () => {
    const rs = ruleset([input('accept', [[m.jump('a')]]), { name: 'a', rules: [[m.jump('b')]] }, { name: 'b', rules: [[m.jump('a')]] }]);
    expect(evaluatePacket(rs, VRRP).verdict).toBe('maybe');
  });
});

describe('parseNftJson', () => {
  it.each([
    ['not json', /not JSON/],
    ['{"x":1}', /no "nftables" array/],
  ])('refuses %j', (text, reason) => {
    const parsed = parseNftJson(text);
    expect(parsed.ok).toBe(false);
    if (!parsed.ok) expect(parsed.reason).toMatch(reason);
  });

  it('skips what it does not know and keeps rules with their chain', () => {
    const parsed = parseNftJson(JSON.stringify({ nftables: [{ metainfo: { version: '1.0.9' } }, 7, { chain: { family: 'x', table: 't', name: 'c' } }, { flowtable: {} }, { rule: { family: 'inet', table: 't', chain: 'nope', expr: [] } }] }));
    expect(parsed.ok).toBe(true);
    if (parsed.ok) {
      expect(parsed.ruleset.version).toBe('1.0.9');
      expect(parsed.ruleset.chains.size).toBe(0);
    }
  });
});
