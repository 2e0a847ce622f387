import { readFile, realpath } from 'node:fs/promises';
import { describe, expect, it } from 'vitest';
import { CommandFailedError, requireTool, run, TOOL_PACKAGES, ToolMissingError } from '../helpers/tools.js';

describe('requireTool', () => {
  it('returns the absolute path of an installed tool', () => {
    expect(requireTool('dpkg-deb')).toMatch(/^\/.*\/dpkg-deb$/);
  });

  it('fails, naming what to do, for a missing tool', () => {
    expect(() => requireTool('half-no-such-tool')).toThrow(ToolMissingError);
    expect(() => requireTool('half-no-such-tool')).toThrow(/"half-no-such-tool", which is not installed.*ensure-test-tools\.sh/);
  });

  it('knows the same tools and packages as scripts/ensure-test-tools.sh', async () => {
    const script = await readFile(new URL('../../scripts/ensure-test-tools.sh', import.meta.url), 'utf8');
    const wanted = [...script.matchAll(/^want (\S+) (\S+)$/gm)].map(([, tool, pkg]) => [tool, pkg]);
    expect(wanted.length).toBeGreaterThan(10);
    for (const [tool, pkg] of wanted) expect(TOOL_PACKAGES[tool as string], `${tool}`).toBe(pkg);
  });

  it('maps each tool to the Debian package that ships it (or depends on its shipper)', async () => {
    const owners = await owningPackages(Object.keys(TOOL_PACKAGES));
    const depends = await installedDepends();
    for (const [tool, pkg] of Object.entries(TOOL_PACKAGES)) {
      const closure = [pkg, ...(depends.get(pkg) ?? [])];
      const twoLevels = [...closure, ...closure.flatMap((name) => depends.get(name) ?? [])];
      expect(twoLevels, `${tool} is shipped by ${owners.get(tool)}`).toContain(owners.get(tool));
    }
  });
});

describe('run', () => {
  it('returns output and exit status without throwing', async () => {
    const result = await run('sh', ['-c', 'echo out; echo err >&2; exit 3']);
    expect(result).toMatchObject({ stdout: 'out\n', stderr: 'err\n', exitCode: 3, signal: undefined });
  });

  it('throws CommandFailedError with stderr when asked to check', async () => {
    const failing = run('sh', ['-c', 'echo "what went wrong" >&2; exit 2'], { check: true });
    await expect(failing).rejects.toThrow(CommandFailedError);
    await expect(run('sh', ['-c', 'echo "what went wrong" >&2; exit 2'], { check: true })).rejects.toThrow(/exit code 2\): what went wrong/);
  });

  it('passes input, environment and working directory', async () => {
    const result = await run('sh', ['-c', 'cat; echo "$HALF_X"; pwd'], { input: 'in\n', env: { HALF_X: 'x' }, cwd: '/tmp' });
    expect(result.stdout).toBe('in\nx\n/tmp\n');
    process.env['HALF_LEAK'] = 'leak';
    try {
      const inherited = await run('sh', ['-c', 'echo "${HALF_LEAK:-none}"']);
      const clean = await run('sh', ['-c', 'echo "${HALF_LEAK:-none} $PATH"'], { cleanEnv: true });
      expect(inherited.stdout).toBe('leak\n');
      expect(clean.stdout).toMatch(/^none \/usr\/local\/sbin:/);
    } finally {
      delete process.env['HALF_LEAK'];
    }
  });

  it('kills at the timeout and says so', async () => {
    const result = await run('sleep', ['30'], { timeoutMs: 200 });
    expect(result.exitCode).toBe(-1);
    expect(result.signal).toBe('SIGKILL');
  });

  it('reports a command that cannot be started as a missing tool', async () => {
    await expect(run('half-no-such-tool', [])).rejects.toThrow(ToolMissingError);
  });
});

/** tool → the installed package owning it, looked up by dpkg in one call (merged-/usr and
 *  alternatives aware: iptables → xtables-nft-multi). */
async function owningPackages(tools: readonly string[]): Promise<Map<string, string>> {
  const candidates = new Map<string, string>(); // path → tool
  for (const tool of tools) {
    for (const dir of ['/usr/bin', '/usr/sbin', '/bin', '/sbin']) candidates.set(`${dir}/${tool}`, tool);
    candidates.set(await realpath(requireTool(tool)), tool);
  }
  const found = await run('dpkg', ['-S', ...candidates.keys()]); // exit 1: some paths are not owned
  const owners = new Map<string, string>();
  for (const line of found.stdout.split('\n')) {
    const match = /^([^:,\s]+)(?::\S+)?(?:, [^:]+)?: (\/.*)$/.exec(line);
    const tool = match === null ? undefined : candidates.get(match[2] as string);
    if (tool !== undefined && match !== null) owners.set(tool, match[1] as string);
  }
  return owners;
}

/** package → names in its Pre-Depends and Depends, for every installed package. */
async function installedDepends(): Promise<Map<string, string[]>> {
  const query = await run('dpkg-query', ['--show', '--showformat', '${Package}\t${Pre-Depends}, ${Depends}\n'], { check: true });
  const depends = new Map<string, string[]>();
  for (const line of query.stdout.split('\n')) {
    const [name = '', list = ''] = line.split('\t');
    depends.set(name, list.split(/[,|]/).map((d) => d.trim().split(/[\s:(]/)[0] ?? '').filter(Boolean));
  }
  return depends;
}
