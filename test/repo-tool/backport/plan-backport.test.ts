// planBackport with the real apt against the machine's own Debian mirror (its apt sources): the
// chosen source is really what the mirror serves, the version sorts where dpkg says it must,
// and the changelog entry is one dpkg-parsechangelog reads. Lists are kept in the backports cache.
import { createHash } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianArchive } from '../../../repo-tool/src/apt/machine-sources.js';
import type { BackportDecision, BackportPlan } from '../../../repo-tool/src/backport/backport-plan.js';
import { planBackport } from '../../../repo-tool/src/backport/plan-backport.js';
import { ConfigError, ToolError } from '../../../repo-tool/src/model/errors.js';
import { requireTool, run } from '../../helpers/tools.js';

const EPOCH = 1_767_225_600; // 2026-01-01T00:00:00Z
let bookworm: BackportPlan;
let dir: string;

async function dpkgSays(a: string, op: 'lt' | 'gt', b: string): Promise<boolean> {
  return (await run('dpkg', ['--compare-versions', a, op, b])).exitCode === 0;
}

beforeAll(async () => {
  for (const tool of ['apt-get', 'dpkg', 'dpkg-parsechangelog', 'flock']) requireTool(tool);
  dir = await mkdtemp(join(tmpdir(), 'half-plan-'));
  const decision = await planBackport({ package: 'keepalived', targetSuite: 'bookworm', sourceDateEpoch: EPOCH });
  if (decision.kind !== 'backport') throw new Error(`expected a backport for bookworm, got: ${decision.reason}`);
  bookworm = decision;
});
afterAll(async () => {
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

describe('planBackport for bookworm', () => {
  it("reads trixie's keepalived through the machine's own mirror and keys", async () => {
    const machine = await debianArchive();
    expect(bookworm.mirror).toEqual({ uri: machine.uri, signedBy: machine.source.signedBy });
    expect(bookworm.source.suite).toBe('trixie');
    expect(bookworm.aptSuites).toEqual(['bookworm', 'trixie']);
    expect(bookworm.source.files.map((f) => f.name)).toEqual([
      expect.stringMatching(/^keepalived_[^_]+\.dsc$/),
      expect.stringMatching(/\.orig\.tar\.\w+$|\.debian\.tar\.xz$/),
      expect.stringMatching(/\.orig\.tar\.\w+$|\.debian\.tar\.xz$/),
    ]);
  });

  it('lists the .dsc with the size and SHA-256 the mirror really serves', async () => {
    const dsc = bookworm.source.files[0]!;
    expect(dsc.uri.startsWith(`${bookworm.mirror.uri}/pool/main/k/keepalived/`)).toBe(true);
    const bytes = new Uint8Array(await (await fetch(dsc.uri)).arrayBuffer());
    expect(bytes.byteLength).toBe(dsc.size);
    expect(createHash('sha256').update(bytes).digest('hex')).toBe(dsc.sha256);
    const text = new TextDecoder().decode(bytes);
    expect(text).toMatch(new RegExp(`^Version: ${bookworm.source.version.replace(/[.+~]/g, '\\$&')}$`, 'm'));
  });

  it("gets a ~bpo12+half1 version dpkg sorts above bookworm's (and the machine's own) and below trixie's", async () => {
    expect(bookworm.version).toBe(`${bookworm.source.version}~bpo12+half1`);
    expect(bookworm.targetVersion).toBeDefined();
    expect(await dpkgSays(bookworm.version, 'lt', bookworm.source.version)).toBe(true);
    expect(await dpkgSays(bookworm.version, 'gt', bookworm.targetVersion!)).toBe(true);
    const policy = (await run('apt-cache', ['policy', 'keepalived'], { check: true })).stdout;
    const candidate = /Candidate: (\S+)/.exec(policy)?.[1];
    if (candidate !== undefined && candidate !== '(none)') expect(await dpkgSays(bookworm.version, 'gt', candidate), candidate).toBe(true);
  });

  it('carries a changelog entry dpkg-parsechangelog reads as the backport', async () => {
    const file = join(dir, 'changelog');
    await writeFile(file, bookworm.changelogEntry);
    const parsed = (await run('dpkg-parsechangelog', ['-l', file], { check: true })).stdout;
    expect(parsed).toContain(`Version: ${bookworm.version}\n`);
    expect(parsed).toContain('Distribution: bookworm\n');
    expect(parsed).toContain(`Timestamp: ${EPOCH}\n`);
    expect(parsed).toMatch(/vrrp_sync_group/);
  });

  it('is deterministic: the same inputs give the same key, another date another key', async () => {
    const again = await planBackport({ package: 'keepalived', targetSuite: 'bookworm', sourceDateEpoch: EPOCH });
    expect(again).toEqual(bookworm);
    const later = await planBackport({ package: 'keepalived', targetSuite: 'bookworm', sourceDateEpoch: EPOCH + 1 });
    expect(later.kind === 'backport' && later.cacheKey).not.toBe(bookworm.cacheKey);
  });
});

describe('planBackport for trixie', () => {
  it('backports the newest of forky and sid with ~bpo13+half1, or says why trixie\'s own serves', async () => {
    const decision: BackportDecision = await planBackport({ package: 'keepalived', targetSuite: 'trixie', sourceDateEpoch: EPOCH });
    expect(decision.targetVersion).toBeDefined();
    if (decision.kind === 'backport') {
      expect(['forky', 'sid']).toContain(decision.source.suite);
      expect(decision.version).toBe(`${decision.source.version}~bpo13+half1`);
      expect(await dpkgSays(decision.version, 'gt', decision.targetVersion!)).toBe(true);
      expect(await dpkgSays(decision.version, 'lt', decision.source.version)).toBe(true);
      expect(decision.image.suite).toBe('trixie');
    } else {
      expect(decision.halfExamplesIn).toBe('half-syncd');
      expect(decision.reason).toMatch(/serves/);
      if (decision.newestVersion !== undefined) expect(await dpkgSays(decision.newestVersion, 'gt', decision.targetVersion!)).toBe(false);
    }
  });
});

describe('planBackport errors', () => {
  it('refuses an unknown target suite with a ConfigError', async () => {
    await expect(planBackport({ package: 'keepalived', targetSuite: 'buster' as 'bookworm', sourceDateEpoch: EPOCH })).rejects.toThrow(ConfigError);
  });

  it('names the step and the apt command when the mirror cannot be reached', async () => {
    const failing = planBackport({
      package: 'keepalived',
      targetSuite: 'bookworm',
      mirror: 'http://127.0.0.1:9/debian', // discard port on loopback: connection refused
      sourceDateEpoch: EPOCH,
      cacheDir: dir,
    });
    await expect(failing).rejects.toBeInstanceOf(ToolError);
    await expect(failing).rejects.toThrow(/backport step "read Debian sources \(bookworm, trixie\)" failed: "APT_CONFIG=\S+ apt-get update/);
  });

  it('reports a package Debian does not have as not needed, naming the suites searched', async () => {
    const decision = await planBackport({ package: 'half-no-such-package', targetSuite: 'bookworm', sourceDateEpoch: EPOCH });
    expect(decision).toMatchObject({ kind: 'not-needed', targetVersion: undefined, newestVersion: undefined });
    expect(decision.kind === 'not-needed' && decision.reason).toMatch(/no source package half-no-such-package in trixie/);
  });
});
