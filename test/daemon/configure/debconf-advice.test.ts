import { describe, expect, it } from 'vitest';
import { fixAdvice, problemLines, type AdviceContext } from '../../../daemon/src/configure/debconf-advice.js';
import { PRIMARY_CONF } from './helpers/node-root.js';

const vips = { question: 'vips' as const, message: 'eth1: "/33" is not a prefix length for IPv4' };
const key = { question: 'cluster-key' as const, message: 'a backup node needs the cluster key' };
const line = { question: undefined, message: '/etc/half/half.conf:20: daemon.purge-delay: "soon" is not a number' };
const upgrade: AdviceContext = { confText: PRIMARY_CONF, confPath: '/etc/half/half.conf', reconfigure: false };
const fresh: AdviceContext = { confText: undefined, confPath: '/etc/half/half.conf', reconfigure: false };

describe('debconf failure advice', () => {
  // suggest puts half.conf's value back into debconf on every run: debconf-set-selections was useless
  it('names the half.conf key, not the question, when half.conf sets it', () => {
    expect(problemLines([vips, key], upgrade)).toEqual([`/etc/half/half.conf [vips]: ${vips.message}`, `half-syncd/cluster-key: ${key.message}`]);
    expect(fixAdvice([vips, key], upgrade)).toEqual([
      'fix: edit [vips] in /etc/half/half.conf (its values are the answers\' defaults on every run, so debconf-set-selections cannot change them), then run `dpkg --configure -a`',
      'fix: run `dpkg --configure -a` on a terminal to be asked half-syncd/cluster-key again, or set them with debconf-set-selections first',
    ]);
  });

  it('names the question when there is no half.conf yet', () => {
    expect(problemLines([vips], fresh)).toEqual([`half-syncd/vips: ${vips.message}`]);
    expect(fixAdvice([vips, line], fresh)).toEqual([
      'fix: edit /etc/half/half.conf where named (no debconf question owns those lines), then run `dpkg --configure -a`',
      'fix: run `dpkg --configure -a` on a terminal to be asked half-syncd/vips again, or set them with debconf-set-selections first',
    ]);
  });

  // the package is installed under dpkg-reconfigure: `dpkg --configure -a` does nothing then
  it('says to run dpkg-reconfigure again (or half configure --apply) under dpkg-reconfigure', () => {
    const reconfigure = { ...upgrade, reconfigure: true };
    expect(fixAdvice([vips, line, key], reconfigure)).toEqual([
      'fix: edit /etc/half/half.conf where named (no debconf question owns those lines), then run `dpkg-reconfigure half-syncd` (or `half configure --apply`)',
      'fix: edit [vips] in /etc/half/half.conf (its values are the answers\' defaults on every run, so debconf-set-selections cannot change them), then run `dpkg-reconfigure half-syncd` (or `half configure --apply`)',
      'fix: run `dpkg-reconfigure half-syncd` on a terminal to be asked half-syncd/cluster-key again, or set them with debconf-set-selections first',
    ]);
  });
});
