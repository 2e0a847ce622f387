// debian/half-kernel/check-kernel, the postinst's kernel check: against /proc-like trees made
// here (a kernel configuration, /proc/modules, the conntrack sysctls) it names exactly what is
// missing; on this machine it reads the real running kernel.
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { run } from '../../helpers/tools.js';
import { REPO_ROOT } from '../../pkgs/helpers/context.js';

const SCRIPT = join(REPO_ROOT, 'debian/half-kernel/check-kernel');
const DEBIAN_CONFIG = ['CONFIG_NF_CONNTRACK=m', 'CONFIG_NF_CONNTRACK_EVENTS=y', 'CONFIG_NF_CT_NETLINK=m', 'CONFIG_NF_TABLES=m', '# CONFIG_FOO is not set'];

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'half-check-kernel-'));
  await mkdir(join(dir, 'proc/sys/net/netfilter'), { recursive: true });
  await mkdir(join(dir, 'boot'), { recursive: true });
  await mkdir(join(dir, 'sys/module'), { recursive: true });
});
afterEach(() => rm(dir, { recursive: true, force: true }));

interface Tree {
  readonly config?: readonly string[];
  readonly configIn?: 'proc' | 'boot';
  readonly modules?: readonly string[];
  readonly events?: string;
}

async function check(tree: Tree) {
  const config = `${(tree.config ?? DEBIAN_CONFIG).join('\n')}\n`;
  if ((tree.configIn ?? 'proc') === 'proc') await writeFile(join(dir, 'proc/config.gz'), gzipSync(config));
  else await writeFile(join(dir, 'boot/config-6.1.0-99-amd64'), config);
  await writeFile(join(dir, 'proc/modules'), (tree.modules ?? ['nf_conntrack_netlink', 'nf_conntrack', 'nf_tables']).map((m) => `${m} 57344 0 - Live 0x0000000000000000\n`).join(''));
  if (tree.events !== undefined) await writeFile(join(dir, 'proc/sys/net/netfilter/nf_conntrack_events'), `${tree.events}\n`);
  return run('sh', [SCRIPT], { env: { HALF_PROC: join(dir, 'proc'), HALF_BOOT: join(dir, 'boot'), HALF_SYS: join(dir, 'sys'), HALF_KERNEL_RELEASE: '6.1.0-99-amd64' } });
}

describe('check-kernel', () => {
  it('accepts a Debian kernel with the modules loaded (config from /proc or /boot)', async () => {
    const ok = await check({ events: '1' });
    expect(ok.exitCode, ok.stderr).toBe(0);
    expect(ok.stderr).toContain('kernel 6.1.0-99-amd64 has connection tracking, ctnetlink, conntrack events and nftables');
    const boot = await check({ configIn: 'boot', events: '2' });
    expect(boot.exitCode, boot.stderr).toBe(0);
  });

  it('names an option the kernel was built without', async () => {
    const r = await check({ config: DEBIAN_CONFIG.filter((l) => !l.startsWith('CONFIG_NF_CT_NETLINK=')), events: '1' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toMatch(/MISSING: conntrack over netlink .*built without CONFIG_NF_CT_NETLINK/);
    const noEvents = await check({ config: DEBIAN_CONFIG.filter((l) => !l.startsWith('CONFIG_NF_CONNTRACK_EVENTS')), events: '1' });
    expect(noEvents.stderr).toMatch(/MISSING: conntrack events: kernel 6\.1\.0-99-amd64 was built without CONFIG_NF_CONNTRACK_EVENTS/);
  });

  it('names a module that is not loaded and the command that loads it', async () => {
    const r = await check({ modules: ['nf_conntrack', 'nf_tables'], events: '1' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('module nf_conntrack_netlink is not loaded now');
    expect(r.stderr).toContain('modprobe nf_conntrack_netlink');
  });

  it('says when conntrack events are switched off', async () => {
    const r = await check({ events: '0' });
    expect(r.exitCode).toBe(1);
    expect(r.stderr).toContain('conntrack events are switched off (net.netfilter.nf_conntrack_events = 0)');
  });

  it('says it could not check when no kernel configuration can be found', async () => {
    const r = await run('sh', [SCRIPT], { env: { HALF_PROC: join(dir, 'proc'), HALF_BOOT: join(dir, 'boot'), HALF_KERNEL_RELEASE: '6.1.0-99-amd64' } });
    expect(r.exitCode).toBe(2);
    expect(r.stderr).toContain('could not check kernel 6.1.0-99-amd64: no configuration');
  });

  it('reads the running kernel of this machine', async () => {
    const release = (await run('uname', ['-r'], { check: true })).stdout.trim();
    const r = await run('sh', [SCRIPT]);
    expect(r.stderr).toContain(release);
    // This machine's kernel runs HALF's own tests (conntrack over netlink, events): it passes.
    expect(r.exitCode, r.stderr).toBe(0);
  });
});
