// Module and sysctl facts. moduleState over every combination of sources a kernel may offer
// (a Debian kernel: /proc/modules, modules.builtin, modules.dep, /boot/config; a monolithic one:
// only /sys/module and /proc/config.gz); then the gatherer on this machine, compared with what
// sysctl(8) and the kernel config say.
import { release } from 'node:os';
import { describe, expect, it } from 'vitest';
import { gatherModules, gatherSysctls, moduleState, readConntrackCount, type ModuleSources } from '../../../daemon/src/doctor/gather-kernel.js';
import { SYSCTLS } from '../../../daemon/src/doctor/facts.js';
import { run } from '../../helpers/tools.js';

const NONE: ModuleSources = { procModules: null, sysModule: null, modulesBuiltin: null, modulesDep: null, kernelConfig: null, kernelConfigPath: null };
const DEBIAN: ModuleSources = {
  procModules: 'nf_conntrack 188416 6 nf_conntrack_netlink,nft_ct, Live 0x0000000000000000\nnf_conntrack_netlink 57344 0 - Live 0x0000000000000000\n',
  sysModule: new Set(['nf_conntrack', 'nf_conntrack_netlink', 'ipv6']),
  modulesBuiltin: 'kernel/net/ipv6/ipv6.ko\n',
  modulesDep: 'kernel/net/netfilter/nf_conntrack.ko.xz: kernel/net/ipv6/nf_defrag_ipv6.ko.xz\nkernel/net/netfilter/nf_conntrack_ftp.ko.xz: kernel/net/netfilter/nf_conntrack.ko.xz\nkernel/net/netfilter/nf_conntrack_netlink.ko.xz: kernel/net/netfilter/nf_conntrack.ko.xz\n',
  kernelConfig: 'CONFIG_NF_CONNTRACK=m\nCONFIG_NF_CT_NETLINK=m\nCONFIG_NF_CONNTRACK_FTP=m\n',
  kernelConfigPath: '/boot/config-6.1.0-28-amd64',
};

describe('moduleState', () => {
  it('reads a modular Debian kernel: loaded, or installed and loadable', () => {
    expect(moduleState('nf_conntrack', DEBIAN)).toEqual({ state: 'loaded', source: '/proc/modules' });
    expect(moduleState('nf_conntrack_netlink', DEBIAN)).toEqual({ state: 'loaded', source: '/proc/modules' });
    expect(moduleState('nf_conntrack_ftp', DEBIAN)).toEqual({ state: 'available', source: 'modules.dep' });
  });

  it('reads built-in modules from modules.builtin, the kernel config, or /sys/module', () => {
    expect(moduleState('nf_conntrack', { ...NONE, procModules: '', modulesBuiltin: 'kernel/net/netfilter/nf_conntrack.ko\n' })).toMatchObject({ state: 'builtin', source: 'modules.builtin' });
    expect(moduleState('nf_conntrack_netlink', { ...NONE, kernelConfig: 'CONFIG_NF_CT_NETLINK=y\n', kernelConfigPath: '/proc/config.gz' })).toEqual({ state: 'builtin', source: '/proc/config.gz (CONFIG_NF_CT_NETLINK=y)' });
    expect(moduleState('nf_conntrack_ftp', { ...NONE, sysModule: new Set(['nf_conntrack_ftp']) })).toEqual({ state: 'builtin', source: '/sys/module' });
  });

  it('knows a module is missing only from a source that would list it', () => {
    expect(moduleState('nf_conntrack_ftp', { ...DEBIAN, modulesDep: '', kernelConfig: '# CONFIG_NF_CONNTRACK_FTP is not set\n' })).toMatchObject({ state: 'missing' });
    expect(moduleState('nf_conntrack_ftp', { ...NONE, kernelConfig: 'CONFIG_NF_CONNTRACK_FTP=m\n', kernelConfigPath: '/boot/config-x' })).toEqual({ state: 'available', source: '/boot/config-x (CONFIG_NF_CONNTRACK_FTP=m)' });
    expect(moduleState('nf_conntrack', { ...NONE, procModules: '' })).toMatchObject({ state: 'unknown' });
    expect(moduleState('nf_conntrack', NONE)).toMatchObject({ state: 'unknown' });
  });

  it('does not take nf_conntrack_netlink for nf_conntrack, and accepts - for _ in file names', () => {
    const only = { ...NONE, procModules: 'nf_conntrack_netlink 1 0 - Live 0x0\n', modulesDep: 'kernel/net/netfilter/nf-conntrack-ftp.ko.zst:\n' };
    expect(moduleState('nf_conntrack', only).state).toBe('missing');
    expect(moduleState('nf_conntrack_ftp', only)).toEqual({ state: 'available', source: 'modules.dep' });
  });
});

describe('on this machine', () => {
  it('reads the sysctls sysctl(8) reads', async () => {
    const facts = await gatherSysctls();
    for (const key of SYSCTLS) {
      const r = await run('sysctl', ['-n', key]);
      expect(facts[key], key).toBe(r.exitCode === 0 ? r.stdout.trim() : null);
    }
  });

  it('reads the conntrack table size sysctl(8) reads', async () => {
    const r = await run('sysctl', ['-n', 'net.netfilter.nf_conntrack_count']);
    const count = await readConntrackCount();
    if (r.exitCode !== 0) expect(count).toBeNull();
    else expect(Math.abs((count ?? -1e9) - Number(r.stdout.trim()))).toBeLessThanOrEqual(50); // other tests add entries meanwhile
  });

  it('finds conntrack and ctnetlink, as the kernel config says', async () => {
    const modules = await gatherModules(release());
    const config = await run('sh', ['-c', `{ zcat /proc/config.gz 2>/dev/null || cat /boot/config-${release()}; } | grep -E '^CONFIG_(NF_CONNTRACK|NF_CT_NETLINK)='`]);
    const settings = Object.fromEntries(config.stdout.trim().split('\n').map((l) => l.split('=') as [string, string]));
    for (const [name, symbol] of [['nf_conntrack', 'CONFIG_NF_CONNTRACK'], ['nf_conntrack_netlink', 'CONFIG_NF_CT_NETLINK']] as const) {
      const setting = settings[symbol];
      if (setting === 'y') expect(modules[name].state, name).toBe('builtin');
      else expect(['loaded', 'available'], name).toContain(modules[name].state);
    }
  });
});
