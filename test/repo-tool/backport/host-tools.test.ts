// Host tools a build needs: nothing happens when they are there; as root a missing one is
// installed with apt-get (after an `apt-get update` when the lists are missing); as another user
// the build stops naming the package. apt-get itself is not run here (the suite installs real
// packages in tests/ensure-test-tools.sh): its arguments are recorded. The real probe is.
import { describe, expect, it } from 'vitest';
import { ensureHostTools, MMDEBSTRAP, XZ, type HostToolDeps } from '../../../repo-tool/src/backport/host-tools.js';
import { ToolError } from '../../../repo-tool/src/model/errors.js';
import { silentSink } from '../../../repo-tool/src/backport/backport-plan.js';

const progress = silentSink;

function fake(present: readonly string[], root: boolean, exits: number[] = [0]): HostToolDeps & { calls: string[] } {
  const calls: string[] = [];
  return {
    calls,
    has: async (command) => present.includes(command),
    isRoot: () => root,
    aptGet: async (args) => {
      calls.push(args.join(' '));
      return { exitCode: args[0] === 'update' ? 0 : (exits.shift() ?? 0), output: 'E: Unable to locate package mmdebstrap' };
    },
  };
}

describe('ensureHostTools', () => {
  it('does nothing when every tool is there', async () => {
    const deps = fake(['mmdebstrap', 'xz'], true);
    await ensureHostTools([MMDEBSTRAP, XZ], progress, deps);
    expect(deps.calls).toEqual([]);
  });

  it('installs what is missing as root, updating the lists once if the first try fails', async () => {
    const deps = fake(['xz'], true, [100, 0]);
    await ensureHostTools([MMDEBSTRAP, XZ], progress, deps);
    expect(deps.calls).toEqual(['install -y --no-install-recommends mmdebstrap', 'update', 'install -y --no-install-recommends mmdebstrap']);
  });

  it('names the package to install when not root, or when apt-get cannot', async () => {
    await expect(ensureHostTools([MMDEBSTRAP, XZ], progress, fake([], false))).rejects.toMatchObject({ hint: expect.stringContaining('apt-get install mmdebstrap xz-utils') });
    const failing = ensureHostTools([MMDEBSTRAP], progress, fake([], true, [100, 100]));
    await expect(failing).rejects.toBeInstanceOf(ToolError);
    await expect(failing).rejects.toThrow(/apt-get install mmdebstrap failed \(exit 100\): E: Unable to locate package mmdebstrap/);
  });

  it('finds the tools this machine has with the real probe', async () => {
    await expect(ensureHostTools([XZ, { command: 'sh', pkg: 'dash', why: 'test' }], progress)).resolves.toBeUndefined();
  });
});
