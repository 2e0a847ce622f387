import { describe, expect, it } from 'vitest';
import { formatAnswers, parseAnswers, wantsSetup } from '../../../daemon/src/configure/answers.js';

describe('answers', () => {
  it('round-trips name=value lines, with or without the template prefix', () => {
    const text = 'half-syncd/role=backup\nvips=eth0=192.0.2.254/24 eth1=198.51.100.254/24\nsetup=true\n';
    const { answers, ignored } = parseAnswers(text);
    expect(answers).toEqual({ role: 'backup', vips: 'eth0=192.0.2.254/24 eth1=198.51.100.254/24', setup: 'true' });
    expect(ignored).toEqual([]);
    expect(formatAnswers(answers)).toBe('setup=true\nrole=backup\nvips=eth0=192.0.2.254/24 eth1=198.51.100.254/24\n');
    expect(wantsSetup(answers)).toBe(true);
    expect(wantsSetup({})).toBe(false);
  });

  it('reports unknown lines without echoing a key', () => {
    const { answers, ignored } = parseAnswers('colour=blue\nnonsense\ncluster-keyX=00\n');
    expect(answers).toEqual({});
    expect(ignored).toEqual(['colour=blue', 'nonsense', 'cluster-key=…']);
  });
});
