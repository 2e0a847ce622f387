// The keepalived gate of `half configure` on the running node, with the real keepalived in a
// namespace that has some of the interfaces half.conf names: a configuration naming one it lacks
// is refused before anything is written (keepalived would exit on the reload while holding the
// VIPs), one whose interfaces all exist is written; no keepalived installed means no gate.
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HalfConfError } from '../../../daemon/src/config/config-error.js';
import { ToolError } from '../../../daemon/src/errors.js';
import { configureNode } from '../../../daemon/src/configure/configure-node.js';
import { keepalivedVerdict, requireKeepalivedAccepts, type Run } from '../../../daemon/src/configure/keepalived-check.js';
import { nodePaths } from '../../../daemon/src/configure/node-paths.js';
import { requireTool } from '../../helpers/tools.js';
import { NetnsLab } from '../ha/fixtures/netns-lab.js';
import { configuredPrimary, nodeRoot, PRIMARY_CONF, type NodeRoot } from './helpers/node-root.js';

describe('the keepalived gate', () => {
  const lab = new NetnsLab('kg');
  let ns: string;
  let root: NodeRoot;
  const inNamespace: Run = (file, args) => lab.exec(ns, file, args);

  beforeAll(async () => {
    requireTool('keepalived');
    ns = await lab.namespace('n');
    // PRIMARY_CONF's VIP interfaces (its adverts go out on them; the sync interface is not keepalived's)
    for (const [i, ifname] of ['eth0', 'eth1'].entries()) {
      await lab.ip(ns, ['link', 'add', ifname, 'type', 'veth', 'peer', 'name', `p${i}`]);
      await lab.ip(ns, ['link', 'set', ifname, 'up']);
    }
  });

  afterAll(() => lab.cleanup());

  beforeEach(async () => {
    root = await nodeRoot();
    await configuredPrimary(root);
  });

  afterEach(() => root.cleanup());

  const gate = (paths: ReturnType<typeof nodePaths>) => (keepalivedConf: string) => requireKeepalivedAccepts(keepalivedConf, paths.halfConfOnNode, inNamespace);

  it('refuses a configuration naming an interface the machine lacks, and writes nothing', async () => {
    await configuredPrimary(root, PRIMARY_CONF.replace('eth1 = ', 'eth3 = '));
    const paths = nodePaths(root.dir);
    const error = await configureNode(paths, gate(paths)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(HalfConfError);
    const message = (error as HalfConfError).message;
    expect(message).toContain('/etc/half/half.conf');
    expect(message).toMatch(/keepalived --config-test refuses the keepalived\.conf rendered from it: .*interface eth3/);
    expect(message).toContain('/etc/keepalived/keepalived.conf'); // keepalived's lines name the real file, not the temporary one
    expect(message).not.toMatch(/half-keepalived-/);
    for (const file of ['/etc/keepalived/keepalived.conf', '/etc/half/half.nft', '/var/lib/half-syncd/generated']) expect(await root.exists(file), file).toBe(false);
  });

  it('blames an interface only when keepalived does', async () => {
    const refusing = (stderr: string) => async () => ({ exitCode: 1, stderr });
    const tooMany = await requireKeepalivedAccepts('', '/etc/half/half.conf', refusing('(VI_1) Number of VIPs (100) exceeds maximum (83)\n')).catch((e: unknown) => e);
    expect((tooMany as HalfConfError).problems.map((p) => p.fix)).toEqual([expect.stringMatching(/^correct in half\.conf what keepalived names/)]);
    const missing = await requireKeepalivedAccepts('', '/etc/half/half.conf', refusing('WARNING - interface eth3 for vrrp instance VI_2 doesn\'t exist\n')).catch((e: unknown) => e);
    expect((missing as HalfConfError).problems.map((p) => p.fix)).toEqual([expect.stringMatching(/^every interface \[vips\] and \[sync\] name must exist/)]);
  });

  it('asks nothing of keepalived when HALF leaves an admin\'s keepalived.conf alone (its version goes beside it)', async () => {
    await configuredPrimary(root, PRIMARY_CONF.replace('eth1 = ', 'eth3 = '));
    await root.write('/etc/keepalived/keepalived.conf', '# the admin\'s own\n');
    const paths = nodePaths(root.dir);
    const report = await configureNode(paths, gate(paths));
    expect(await root.read('/etc/keepalived/keepalived.conf')).toBe('# the admin\'s own\n');
    expect(await root.exists('/etc/keepalived/keepalived.conf.half')).toBe(true);
    expect(report.changed).toContain(root.at('/etc/half/half.nft'));
  });

  it('lets a configuration through whose interfaces all exist', async () => {
    const paths = nodePaths(root.dir);
    const report = await configureNode(paths, gate(paths));
    expect(report.changed).toContain(root.at('/etc/keepalived/keepalived.conf'));
    expect(await root.exists('/etc/keepalived/keepalived.conf')).toBe(true);
  });

  it('says absent when keepalived is not installed, reports a refusal without words by its exit status, and a hang as the tool\'s failure', async () => {
    const missing: Run = (_file, args) => inNamespace('/nonexistent/keepalived', args).then(() => Promise.reject(Object.assign(new Error('spawn keepalived ENOENT'), { code: 'ENOENT' })));
    expect(await keepalivedVerdict('global_defs {\n}\n', '/etc/keepalived/keepalived.conf', missing)).toEqual({ state: 'absent' });
    const mute: Run = async () => ({ exitCode: 5, stderr: '' });
    expect(await keepalivedVerdict('x', '/etc/keepalived/keepalived.conf', mute)).toEqual({ state: 'refused', lines: ['keepalived --config-test exited 5'] });
    // killed by the timeout: the tool failed, half.conf is not to blame
    const hung: Run = async () => ({ exitCode: null, stderr: '' });
    await expect(keepalivedVerdict('x', '/etc/keepalived/keepalived.conf', hung)).rejects.toThrow(ToolError);
  });
});
