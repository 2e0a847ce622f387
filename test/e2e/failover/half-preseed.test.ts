// The preseeded answers are what half-syncd's own checker accepts on each firewall of the
// scenario: a namespace shaped like it (lan0, wan0, sync0 with the harness's addresses) is read
// with the real `ip -j addr show`, and daemon/src/configure/check-answers.ts judges the answers
// as the config script does. The backup gets the primary's key; the text is debconf's format.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseAnswers } from '../../../daemon/src/configure/answers.js';
import { checkAnswers } from '../../../daemon/src/configure/check-answers.js';
import { parseIpAddrJson, type MachineFacts } from '../../../daemon/src/configure/machine-facts.js';
import { createNamespaces, type NamespaceSet } from '../../helpers/netns.js';
import { FIREWALL_IFACES, FIREWALLS, type FirewallName } from './harness/addresses.js';
import { halfPreseed, renderSelections } from './half-preseed.js';

const KEY = 'ab'.repeat(32);
let net: NamespaceSet;
const facts = new Map<FirewallName, MachineFacts>();

beforeAll(async () => {
  net = createNamespaces('preseed');
  for (const fw of Object.values(FIREWALLS)) {
    await net.addNs(fw.name);
    await net.addNs(`${fw.name}-wire`);
    for (const iface of Object.values(FIREWALL_IFACES)) await net.veth(fw.name, iface, `${fw.name}-wire`, iface);
    await net.addr(fw.name, FIREWALL_IFACES.lan, `${fw.lan}/24`);
    await net.addr(fw.name, FIREWALL_IFACES.wan, `${fw.wan}/24`);
    await net.addr(fw.name, FIREWALL_IFACES.sync, `${fw.sync}/30`);
    const listed = await net.exec(fw.name, ['ip', '-j', 'addr', 'show'], { check: true });
    const parsed = parseIpAddrJson(listed.stdout);
    if (!parsed.ok) throw new Error(parsed.message);
    facts.set(fw.name, { interfaces: parsed.value, defaultRouteInterfaces: [], defaultGateways: [] });
  }
});
afterAll(() => net?.cleanup());

/** The answers as the maintainer scripts hand them to `half configure --debconf`. */
const asAnswers = (text: string): ReturnType<typeof parseAnswers>['answers'] =>
  parseAnswers(text.split('\n').filter((l) => l !== '').map((l) => {
    const [, question, , ...value] = l.split(' ');
    return `${question}=${value.join(' ')}`;
  }).join('\n')).answers;

describe('halfPreseed', () => {
  it.each([['halfone', undefined], ['halftwo', KEY]] as const)('gives %s answers half-syncd accepts on that firewall', (name, key) => {
    const answers = asAnswers(renderSelections(halfPreseed(FIREWALLS[name], key)));
    const checked = checkAnswers(answers, facts.get(name) as MachineFacts, { validKeyFile: false });
    expect(checked.ok ? [] : checked.problems).toEqual([]);
    expect(answers.role).toBe(name === 'halfone' ? 'primary' : 'backup');
    expect(answers['node-id']).toBe(name === 'halfone' ? '1' : '2');
    expect(answers['cluster-key']).toBe(key);
  });

  it('are rejected by the checker on the other firewall (the answers are per node)', () => {
    const answers = asAnswers(renderSelections(halfPreseed(FIREWALLS.halfone)));
    const checked = checkAnswers(answers, facts.get('halftwo') as MachineFacts, { validKeyFile: false });
    expect(checked.ok).toBe(false);
    expect(checked.ok ? [] : checked.problems.map((p) => p.question)).toContain('sync-address');
  });

  it('writes debconf-set-selections lines of half-syncd\'s questions', () => {
    const text = renderSelections(halfPreseed(FIREWALLS.halftwo, KEY));
    expect(text.split('\n').filter((l) => l !== '').every((l) => /^half-syncd half-syncd\/[a-z-]+ (boolean|select|string|password) \S/.test(l))).toBe(true);
    expect(text).toContain('half-syncd half-syncd/vips string lan0=192.0.2.254/24 wan0=198.51.100.254/24\n');
  });

  it('refuses a backup without the primary\'s key, and a malformed key, naming the fix', () => {
    expect(() => halfPreseed(FIREWALLS.halftwo)).toThrow(/halfone's cluster key \(\/etc\/half\/cluster\.key there\)/);
    expect(() => halfPreseed(FIREWALLS.halftwo, 'not-a-key')).toThrow(/64 hex digits/);
  });
});
