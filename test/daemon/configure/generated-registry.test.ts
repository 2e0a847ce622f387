import { describe, expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { formatRegistry, isRegisteredContent, parseRegistry, sha256Hex, withAdded, withOnly, without } from '../../../daemon/src/configure/generated-registry.js';

describe('generated registry', () => {
  it('round-trips sha256sum-style lines and ignores anything else', async () => {
    const registry = withAdded(withOnly(new Map(), '/etc/half/half.nft', 'one'), '/etc/half/half.nft', 'two');
    const text = formatRegistry(withOnly(registry, '/etc/keepalived/keepalived.conf', 'k'));
    expect(text).toContain(`${sha256Hex('k')}  /etc/keepalived/keepalived.conf\n`);
    const back = parseRegistry(`${text}garbage line\n${'0'.repeat(63)}  /short-hash\n`);
    expect([...back.keys()]).toEqual(['/etc/half/half.nft', '/etc/keepalived/keepalived.conf']);
    expect(isRegisteredContent(back, '/etc/half/half.nft', 'one')).toBe(true);
    expect(isRegisteredContent(back, '/etc/half/half.nft', 'two')).toBe(true);
    expect(isRegisteredContent(back, '/etc/half/half.nft', 'three')).toBe(false);
    expect([...without(back, '/etc/half/half.nft').keys()]).toEqual(['/etc/keepalived/keepalived.conf']);
    // Each line is what sha256sum(1) prints for that content.
    expect((await run('sha256sum', [], { input: 'k', check: true })).stdout).toBe(`${sha256Hex('k')}  -\n`);
  });
});
