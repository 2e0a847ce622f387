// apt preconfigures a package before unpacking it (dpkg-preconfigure, run by apt when apt-utils
// is installed, as on every Debian system): on an upgrade the config script then finds the
// installed version's half-configure.js, whose answers and checks need not be the new one's. The
// config script leaves the questions to its run from postinst, where the new helper is unpacked.
// The installed helper is replaced here by one that records being run, so a call is seen.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { halfKernelDeb, halfSyncdDeb } from '../helpers/half-debs.js';
import { PRIMARY_PRESEED } from '../helpers/answers.js';
import { nodeMachine, type NodeMachine } from '../helpers/node-machine.js';
import { testContext } from '../../pkgs/helpers/context.js';

const OLD = '0.0.9';
const HELPER = '/usr/lib/half/half-configure.js';
const RAN = '/root/old-helper-ran';
/** A helper that records its arguments: an ES module, as /usr/lib/half's package.json makes every .js there. */
const RECORDER = `import { appendFileSync } from 'node:fs';\nappendFileSync(${JSON.stringify(RAN)}, process.argv.slice(2).join(' ') + '\\n');\n`;
let node: NodeMachine;
let newPath: string;
beforeAll(async () => {
  node = await nodeMachine('bookworm', 'preconf');
  const [kernel, old, current] = await Promise.all([halfKernelDeb(), halfSyncdDeb(OLD), halfSyncdDeb()]);
  const [kernelPath, oldPath, currentPath] = await node.put(kernel, old, current);
  newPath = currentPath as string;
  await node.preseed(PRIMARY_PRESEED);
  const first = await node.run(['dpkg', '-i', kernelPath as string, oldPath as string]);
  expect(first.exitCode, first.stderr).toBe(0);
  await node.root.writeFile(HELPER, RECORDER);
});
afterAll(() => node?.cleanup());

describe('apt preconfiguring an upgrade of half-syncd', () => {
  it('runs the new config script without calling the installed (old) helper', async () => {
    const preconfigure = await node.run(['dpkg-preconfigure', '-f', 'noninteractive', newPath]);
    expect(preconfigure.exitCode, preconfigure.stderr).toBe(0);
    // the config script did run: its templates are loaded, and it asked nothing
    expect(preconfigure.stderr).not.toMatch(/error|fail/i);
    expect(await node.exists(RAN)).toBe(false);
  });

  it('leaves the questions to postinst, which runs the new helper and configures the node', async () => {
    const upgrade = await node.run(['dpkg', '-i', newPath]);
    expect(upgrade.exitCode, upgrade.stderr).toBe(0);
    expect(await node.exists(RAN)).toBe(false);
    const status = await node.run(['dpkg-query', '-W', '-f=${Version} ${Status}', 'half-syncd']);
    expect(status.stdout).toBe(`${testContext().projectVersion} install ok installed`);
    expect(await node.root.readFile('/etc/half/half.conf')).toMatch(/^id = 1$/m);
  });

  it('does not call the helper of an earlier version left unpacked (its postinst failed) either', async () => {
    const real = await node.root.readFile(HELPER);
    const unpack = await node.run(['dpkg', '--unpack', newPath]);
    expect(unpack.exitCode, unpack.stderr).toBe(0);
    expect((await node.run(['dpkg-query', '-W', '-f=${db:Status-Status}', 'half-syncd'])).stdout).toBe('unpacked');
    await node.root.writeFile(HELPER, RECORDER);
    const preconfigure = await node.run(['dpkg-preconfigure', '-f', 'noninteractive', newPath]);
    expect(preconfigure.exitCode, preconfigure.stderr).toBe(0);
    expect(await node.exists(RAN)).toBe(false);
    await node.root.writeFile(HELPER, real);
    const configure = await node.run(['dpkg', '--configure', 'half-syncd']);
    expect(configure.exitCode, configure.stderr).toBe(0);
  });

  it('still runs the helper from dpkg-reconfigure of the installed package', async () => {
    const real = await node.root.readFile(HELPER);
    await node.root.writeFile(HELPER, RECORDER);
    // the recording helper answers nothing, so what follows its first call may fail: only the call matters
    await node.run(['dpkg-reconfigure', '-f', 'noninteractive', 'half-syncd']);
    await node.root.writeFile(HELPER, real);
    expect(await node.root.readFile(RAN)).toMatch(/^configure --debconf suggest$/m);
  });
});
