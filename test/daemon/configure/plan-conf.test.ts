import { describe, expect, it } from 'vitest';
import { planHalfConf, questionOfKey } from '../../../daemon/src/configure/plan-conf.js';
import { capturedFirewall } from './helpers/facts.js';

const answers = {
  role: 'primary',
  'node-id': '1',
  'sync-interface': 'eth2',
  'sync-address': '203.0.113.1',
  'sync-peers': '203.0.113.2',
  vips: 'eth0=192.0.2.254/24',
  'router-id': '51',
};

describe('planHalfConf', () => {
  it('gives the validated config and the text to write', () => {
    const plan = planHalfConf(answers, capturedFirewall(), { validKeyFile: false }, undefined, '/etc/half/half.conf');
    expect(plan.ok && plan.config.source).toBe('/etc/half/half.conf');
    expect(plan.ok && plan.text).toContain('[vips]\neth0 = 192.0.2.254/24\n');
  });

  it('maps the daemon validator\'s problems back to the question that owns the key', () => {
    // Valid on its own, refused by validateHalfConf's cross-checks: a VIP that is a peer's address.
    const plan = planHalfConf({ ...answers, vips: 'eth2=203.0.113.2/30' }, capturedFirewall(), { validKeyFile: false }, undefined, 'half.conf');
    expect(plan).toEqual({ ok: false, problems: [{ question: 'vips', message: expect.stringContaining('203.0.113.2 is also sync.peers') }] });
  });

  it('reports problems in keys no question owns against the file', () => {
    const plan = planHalfConf(answers, capturedFirewall(), { validKeyFile: false }, '[daemon]\npurge-delay = forever\n', 'half.conf');
    expect(plan.ok).toBe(false);
    expect(!plan.ok && plan.problems).toEqual([{ question: undefined, message: expect.stringMatching(/^half\.conf:2: daemon\.purge-delay:/) }]);
    expect(questionOfKey('vips.eth0')).toBe('vips');
    expect(questionOfKey('node.priority')).toBe('role');
  });
});

describe('planHalfConf on an existing file', () => {
  const multicast = '[node]\nid = 1\nrole = primary\n\n[sync]\ninterface = eth2\naddress = 203.0.113.1\nmulticast-group = 225.0.0.50\n\n[vips]\neth0 = 192.0.2.254/24\n';

  it('keeps a valid file byte for byte when the answers only repeat it (upgrade, re-run)', () => {
    // The config script loaded these from the file; sync-peers is only the machine's suggestion.
    const plan = planHalfConf({ ...answers, 'sync-peers': '203.0.113.2' }, capturedFirewall(), { validKeyFile: true }, multicast, 'half.conf');
    expect(plan.ok && plan.text).toBe(multicast);
    expect(plan.ok && plan.config.sync.links[0].multicastGroup?.text).toBe('225.0.0.50');
  });

  it('still refuses a backup whose key file is missing or unusable: it would get a key of its own, which no other node has', () => {
    const backup = multicast.replace('role = primary', 'role = backup');
    const repeat = { ...answers, role: 'backup', 'sync-peers': '203.0.113.2' };
    expect(planHalfConf(repeat, capturedFirewall(), { validKeyFile: true }, backup, 'half.conf')).toMatchObject({ ok: true, text: backup });
    expect(planHalfConf(repeat, capturedFirewall(), { validKeyFile: false }, backup, 'half.conf')).toEqual({
      ok: false,
      problems: [{ question: 'cluster-key', message: expect.stringMatching(/^a backup node needs the cluster key of the first node/) }],
    });
    expect(planHalfConf(repeat, capturedFirewall(), { validKeyFile: false, problem: '/etc/half/cluster.key is mode 0644' }, backup, 'half.conf')).toEqual({
      ok: false,
      problems: [{ question: 'cluster-key', message: '/etc/half/cluster.key is mode 0644; fix the file, or give the cluster key here' }],
    });
    // a primary without one makes it, as on its first configuration
    expect(planHalfConf({ ...answers, 'sync-peers': '203.0.113.2' }, capturedFirewall(), { validKeyFile: false }, multicast, 'half.conf')).toMatchObject({ ok: true, text: multicast });
  });

  it('asks the role again when the file\'s priority decides it otherwise, instead of dropping the answer', () => {
    const fresh = planHalfConf(answers, capturedFirewall(), { validKeyFile: false }, undefined, 'half.conf');
    if (!fresh.ok) throw new Error('no plan');
    const withPriority = fresh.text.replace('role = primary', 'priority = 90');
    const plan = planHalfConf({ ...answers, 'sync-peers': '203.0.113.3' }, capturedFirewall(), { validKeyFile: false }, withPriority, 'half.conf');
    expect(plan).toEqual({ ok: false, problems: [{ question: 'role', message: 'half.conf sets [node] priority = 90, which makes this node a backup: answer backup, or remove priority from half.conf to choose the role here' }] });
    const agreeing = planHalfConf({ ...answers, 'sync-peers': '203.0.113.3' }, capturedFirewall(), { validKeyFile: false }, withPriority.replace('priority = 90', 'priority = 120'), 'half.conf');
    expect(agreeing.ok && agreeing.text).toContain('priority = 120');
  });

  it('edits it in place once an answer differs from the file', () => {
    // The file leaves router-id out (51, the default); the admin answers 60.
    const plan = planHalfConf({ ...answers, 'sync-peers': '203.0.113.2', 'router-id': '60' }, capturedFirewall(), { validKeyFile: true }, multicast, 'half.conf');
    // The file's multicast group stays in charge: no peers are added next to it.
    expect(plan.ok && plan.text).toBe(`${multicast}\n[vrrp]\nrouter-id = 60\n`);
    expect(plan.ok && plan.config.vrrp.routerId).toBe(60);
  });
});
