// A plain file where half.conf's notify FIFO should be (keepalived writes its transitions into
// that FIFO): half-syncd refuses to start with exit 78 (EX_CONFIG: its unit stops restarting
// it), names the path and the fix, and its control socket never answers. Before, this was an
// "unexpected error" with a stack trace.
import { existsSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterLab, type ClusterLab } from './fixtures/cluster-lab.js';

describe('half-syncd with a plain file at its notify FIFO path', () => {
  let lab: ClusterLab;

  beforeAll(async () => {
    lab = await clusterLab({ label: 'syncff' });
  });
  afterAll(() => lab?.cleanup());

  it('exits 78, naming the path and the fix', async () => {
    await writeFile(lab.a.fifo, 'INSTANCE "half_lan0" MASTER 150\n');
    const refused = await lab.a.start().then(() => undefined, (error: unknown) => (error as Error).message);
    expect(refused).toMatch(/exited 78:/);
    expect(refused).toContain(`half-syncd: ${lab.a.fifo} is not a FIFO`);
    expect(refused).toMatch(/fix: remove it .*\[vrrp\] notify-fifo/);
    expect(refused).not.toContain('unexpected error');
    expect(existsSync(lab.a.socket)).toBe(false);
  });
});
