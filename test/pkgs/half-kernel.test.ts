// half-kernel: built and read back with dpkg-deb, lintian-clean, its sysctls agreeing with the
// ones `half configure` renders, and the pinned-kernel configuration turned into a Depends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import halfKernel, { halfKernelDefinition, kernelRelation, parseKernelConfig, STOCK_KERNELS } from '../../pkgs/half-kernel.js';
import { sysctlSettings } from '../../daemon/src/config/sysctl-conf.js';
import { validateHalfConf } from '../../daemon/src/config/validate.js';
import { DefinitionError } from '../../repo-tool/src/model/errors.js';
import { lintian } from '../repo-tool/deb/helpers/lintian.js';
import { run } from '../helpers/tools.js';
import { PRIMARY_CONF } from '../daemon/configure/helpers/node-root.js';
import { REPO_ROOT, testContext } from './helpers/context.js';
import { build, debField, debFolder, debPaths, type DebFolder } from './helpers/debs.js';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

let debs: DebFolder;
let stock: string;
let pinned: string;
const lintianInput = new Map<string, Uint8Array>();
beforeAll(async () => {
  debs = await debFolder();
  const a = await build(halfKernel(testContext()));
  stock = await debs.put(a);
  const config = parseKernelConfig('{"kernels":[{"package":"linux-image-6.1.0-half1-amd64","version":"6.1.0-1"}]}');
  const b = await build({ ...halfKernelDefinition(testContext(), config), version: `${testContext().projectVersion}+pinned1` });
  pinned = await debs.put(b);
  lintianInput.set('stock.deb', a.bytes).set('pinned.deb', b.bytes);
});
afterAll(() => debs?.cleanup());

function sysctlFile(): Map<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'debian/half-kernel/sysctl.conf'), 'utf8');
  return new Map([...text.matchAll(/^([a-z0-9_.]+)\s*=\s*(\S+)\s*$/gm)].map((m) => [m[1] as string, m[2] as string]));
}

describe('half-kernel', () => {
  it('recommends a stock Debian kernel (never forces one) and ships the snippets and the check', async () => {
    expect(await debField(stock, 'Architecture')).toBe('all');
    expect(await debField(stock, 'Recommends')).toBe(STOCK_KERNELS.join(' | '));
    expect(await debField(stock, 'Depends')).toBe('');
    expect(await debPaths(stock)).toEqual(expect.arrayContaining(['/usr/lib/modules-load.d/half-kernel.conf', '/usr/lib/sysctl.d/50-half-kernel.conf', '/usr/lib/half/check-kernel']));
    const contents = (await run('dpkg-deb', ['--contents', stock], { check: true })).stdout;
    expect(contents).toMatch(/^-rwxr-xr-x root\/root .* \.\/usr\/lib\/half\/check-kernel$/m);
  });

  it('depends on exactly the kernel the maintainer imported when pkgs/half-kernel.config.json names one', async () => {
    expect(await debField(pinned, 'Depends')).toBe('linux-image-6.1.0-half1-amd64 (= 6.1.0-1)');
    expect(await debField(pinned, 'Recommends')).toBe('');
    expect(kernelRelation(parseKernelConfig('{"kernels":[{"package":"linux-image-a"},{"package":"linux-image-b","version":"1:2-3"}],"relation":"recommends"}'))).toEqual({
      depends: [],
      recommends: ['linux-image-a | linux-image-b (= 1:2-3)'],
    });
  });

  it('names the field and the fix for a bad configuration', () => {
    expect(() => parseKernelConfig('{')).toThrow(DefinitionError);
    expect(() => parseKernelConfig('{"kernels":[]}')).toThrow(/"kernels" must list at least one kernel package/);
    expect(() => parseKernelConfig('{"kernels":[{"package":"Linux Image"}]}')).toThrow(/kernels\[0\]\.package "Linux Image" is not a Debian package name/);
    expect(() => parseKernelConfig('{"kernels":[{"package":"linux-image-x","version":"latest"}]}')).toThrow(/kernels\[0\]\.version "latest" is not a Debian version/);
    expect(() => parseKernelConfig('{"kernels":[{"package":"linux-image-x"}],"relation":"wants"}')).toThrow(/"relation" is "wants"/);
  });

  it('sets the conntrack sysctls exactly as the node rendering does, and sysctl accepts them', async () => {
    const shipped = sysctlFile();
    const rendered = new Map(sysctlSettings(validateHalfConf(PRIMARY_CONF, 'half.conf')).map((s) => [s.key, s.value]));
    const netfilter = [...rendered].filter(([key]) => key.startsWith('net.netfilter.'));
    expect(netfilter.length).toBeGreaterThan(0);
    expect([...shipped].sort()).toEqual(netfilter.sort());
    // In a network namespace of its own: the host's settings are not touched.
    const loaded = await run('unshare', ['--net', 'sysctl', '-p', join(REPO_ROOT, 'debian/half-kernel/sysctl.conf')]);
    expect(loaded.exitCode, loaded.stderr).toBe(0);
    expect(loaded.stdout).toBe([...shipped].map(([k, v]) => `${k} = ${v}\n`).join(''));
  });

  it('is lintian-clean, stock and pinned', async () => {
    expect(await lintian(lintianInput)).toEqual([]);
  });
});
