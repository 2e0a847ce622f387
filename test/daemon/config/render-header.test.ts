// The header line of every rendered file: half.conf's path, its control characters escaped, so a
// path with a newline cannot add lines to keepalived.conf, half.nft, the iptables rules or sysctl.
import { describe, expect, it } from 'vitest';
import { renderNode } from '../../../daemon/src/config/render-node.js';
import { renderedFromLine } from '../../../daemon/src/config/render-header.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { MINIMAL } from './fixtures/problems.js';

const PLAIN = '/etc/half/half.conf';
const INJECTING = '/etc/half/x\nadd table inet pwn\r\n}\n#.conf';

describe('renderedFromLine', () => {
  it('names the node and the path, control characters as \\xNN', () => {
    const config = validateHalfConf(MINIMAL, INJECTING);
    expect(renderedFromLine('nftables rules', config)).toBe('# nftables rules of HALF node 1, rendered from /etc/half/x\\x0aadd table inet pwn\\x0d\\x0a}\\x0a#.conf.');
  });

  it('keeps every rendered file one header line long, whatever the path', () => {
    const plain = renderNode(validateHalfConf(MINIMAL, PLAIN));
    const odd = renderNode(validateHalfConf(MINIMAL, INJECTING));
    const files = (node: typeof plain): string[] => [node.keepalivedConf, node.nftRuleset, node.iptables.v4, node.iptables.v6, node.sysctlConf];
    const escaped = '/etc/half/x\\x0aadd table inet pwn\\x0d\\x0a}\\x0a#.conf';
    for (const [i, text] of files(odd).entries()) {
      expect(text).toBe((files(plain)[i] as string).replace(PLAIN, escaped));
      expect(text.split('\n')[0]).toContain(escaped);
    }
  });
});
