// The example keepalived.conf shipped in the backport must be one keepalived accepts: checked with
// the real keepalived's --config-test inside a network namespace that has the example's lan0
// and wan0 (veth pairs inside it, no addresses, nothing sent). The built backport's own keepalived checks
// it again in run-backport.test.ts.
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  HALF_EXAMPLE_FILES,
  HALF_NOTIFY_FIFO,
  KEEPALIVED_CONF_EXAMPLE,
  README_HALF,
} from '../../../repo-tool/src/backport/half-examples.js';
import { DEFAULTS } from '../../../daemon/src/config/half-conf.js';
import { createNamespaces, type NamespaceSet } from '../../helpers/netns.js';
import { requireTool } from '../../helpers/tools.js';

let net: NamespaceSet;
let dir: string;
beforeAll(async () => {
  requireTool('keepalived');
  requireTool('ip');
  dir = await mkdtemp(join(tmpdir(), 'half-examples-'));
  net = createNamespaces('kaexample');
  await net.addNs('fw');
  // Each link a veth whose peer stays in the same namespace: the interfaces exist and are up.
  for (const link of ['lan0', 'wan0']) await net.veth('fw', link, 'fw', `${link}p`);
});
afterAll(async () => {
  await net?.cleanup();
  if (dir !== undefined) await rm(dir, { recursive: true, force: true });
});

async function configTest(text: string): Promise<{ exitCode: number; output: string }> {
  const file = join(dir, `keepalived-${Math.random().toString(36).slice(2)}.conf`);
  await writeFile(file, text);
  const result = await net.exec('fw', ['keepalived', '--config-test', '--use-file', file]);
  return { exitCode: result.exitCode, output: result.stdout + result.stderr };
}

describe('keepalived.conf.HALF', () => {
  it('passes keepalived --config-test where its interfaces exist', async () => {
    const result = await configTest(KEEPALIVED_CONF_EXAMPLE);
    expect(result.output).not.toMatch(/Unknown keyword|WARNING|error/i);
    expect(result.exitCode, result.output).toBe(0);
  });

  it('is checked for real: a misspelt keyword fails the same test', async () => {
    const result = await configTest(KEEPALIVED_CONF_EXAMPLE.replace('vrrp_notify_fifo', 'vrrp_notify_fiffo'));
    expect(result.output).toMatch(/Unknown keyword 'vrrp_notify_fiffo'/);
  });

  it("groups the LAN and WAN instances and reports to half-syncd's FIFO", () => {
    expect(HALF_NOTIFY_FIFO).toBe(DEFAULTS.notifyFifo);
    expect(KEEPALIVED_CONF_EXAMPLE).toContain(`vrrp_notify_fifo ${DEFAULTS.notifyFifo}\n`);
    const group = /vrrp_sync_group HALF \{\s*group \{\s*(\S+)\s+(\S+)\s*\}/.exec(KEEPALIVED_CONF_EXAMPLE);
    expect(group?.slice(1)).toEqual(['half_lan0', 'half_wan0']);
    for (const name of group?.slice(1) ?? []) expect(KEEPALIVED_CONF_EXAMPLE).toContain(`vrrp_instance ${name} {`);
    expect(README_HALF).toContain(`vrrp_notify_fifo ${HALF_NOTIFY_FIFO}`);
    expect(HALF_EXAMPLE_FILES.map((f) => f.name)).toEqual(['keepalived.conf.HALF', 'README.HALF']);
  });
});
