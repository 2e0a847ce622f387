// renderNode: every file of a node computed together, from one validated config.
import { describe, expect, it } from 'vitest';
import { renderIptablesRules } from '../../../daemon/src/config/iptables-rules.js';
import { renderKeepalivedConf } from '../../../daemon/src/config/keepalived-conf.js';
import { renderNftRuleset } from '../../../daemon/src/config/nft-ruleset.js';
import { renderNode } from '../../../daemon/src/config/render-node.js';
import { renderSysctlConf } from '../../../daemon/src/config/sysctl-conf.js';
import { FIXTURES, fixtureConfig } from './fixtures/configs.js';

describe('renderNode', () => {
  it.each(FIXTURES)('renders every piece of %s and the notify source', (name) => {
    const config = fixtureConfig(name);
    const node = renderNode(config);
    expect(node).toEqual({
      keepalivedConf: renderKeepalivedConf(config),
      nftRuleset: renderNftRuleset(config),
      iptables: renderIptablesRules(config),
      sysctlConf: renderSysctlConf(config),
      notifySource: name === 'two-lan-wan' ? { type: 'GROUP', name: 'HALF' } : { type: 'INSTANCE', name: 'half' },
    });
    expect(renderNode(config)).toEqual(node); // same input, same text
  });
});
