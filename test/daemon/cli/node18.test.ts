// Debian 12's own Node.js (18.x, what half-syncd runs on there): the bundled `half`,
// `half-notify`, control server and metrics server, all run inside a Debian 12 root with the
// nodejs package installed. The CLI talks to the server over the socket, the host scrapes the
// metrics on 127.0.0.1, and `half doctor` gathers its facts, all under Node 18.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { request } from 'node:http';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { debianRoot, type DebianRoot } from '../../helpers/chroot.js';
import { sampleStatus } from '../control/fixtures/sample-status.js';
import { parseWithPrometheusClient } from '../metrics/fixtures/prometheus-parser.js';
import { bundle } from './bundle.js';

function scrape(port: number): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/metrics', agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('under Debian 12\'s Node 18', () => {
  let root: DebianRoot;
  let server: ChildProcess | undefined;
  const lines: string[] = [];
  let port = 0;

  beforeAll(async () => {
    root = await debianRoot({ suite: 'bookworm', extraPackages: ['nodejs'] });
    const opt = join(root.dir, 'opt', 'half');
    await mkdir(opt, { recursive: true });
    await bundle('daemon/src/cli/half-main.ts', opt);
    await bundle('daemon/src/cli/half-notify-main.ts', opt);
    await bundle('test/daemon/cli/fixtures/servers-main.ts', opt);
    await mkdir(join(root.dir, 'run', 'half'), { recursive: true });
    const [file, ...args] = root.argv(['node', '/opt/half/servers-main.mjs', '/run/half/half.sock']);
    server = spawn(file as string, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const ready = new Promise<void>((resolve, reject) => {
      server?.once('exit', (code) => reject(new Error(`the server exited (${code}) before it was ready`)));
      createInterface({ input: server?.stdout as NodeJS.ReadableStream }).on('line', (line) => {
        lines.push(line);
        const match = /^ready (\d+)$/.exec(line);
        if (match !== null) {
          port = Number(match[1]);
          resolve();
        }
      });
    });
    await ready;
  }, 600_000);

  afterAll(async () => {
    if (server?.pid !== undefined && server.exitCode === null) {
      const exited = new Promise((resolve) => server?.once('exit', resolve));
      server.kill('SIGTERM');
      await exited;
    }
    await root?.cleanup();
  });

  it('is Node 18', async () => {
    const r = await root.run(['node', '--version'], { check: true });
    expect(r.stdout).toMatch(/^v18\./);
  });

  it('half status --json gets the status over the socket', async () => {
    const r = await root.run(['node', '/opt/half/half-main.mjs', 'status', '--json', '--socket', '/run/half/half.sock']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual(sampleStatus());
    const text = await root.run(['node', '/opt/half/half-main.mjs', 'status', '--socket', '/run/half/half.sock']);
    expect(text.stdout).toContain('node 1 (epoch 1700000000): keepalived MASTER, sync role sender');
  });

  it('half-notify forwards a transition', async () => {
    const r = await root.run(['node', '/opt/half/half-notify-main.mjs', '--socket', '/run/half/half.sock', 'INSTANCE', 'half', 'BACKUP', '100']);
    expect(r.exitCode).toBe(0);
    for (let i = 0; i < 100 && !lines.includes('notify INSTANCE half BACKUP 100'); i++) await new Promise((resolve) => setTimeout(resolve, 20));
    expect(lines).toContain('notify INSTANCE half BACKUP 100');
  });

  it('serves metrics that the host scrapes on 127.0.0.1', async () => {
    const reply = await scrape(port);
    expect(reply.status).toBe(200);
    const families = await parseWithPrometheusClient(reply.body);
    expect(families.find((f) => f.name === 'half_peer_up')?.samples.map((s) => s.value)).toEqual(['1.0', '0.0']);
  });

  it('half doctor gathers and judges, and says HALF is not configured', async () => {
    const r = await root.run(['node', '/opt/half/half-main.mjs', 'doctor', '--json', '--socket', '/run/half/half.sock']);
    expect(r.stderr).toBe('');
    expect(r.exitCode).toBe(6);
    const report = JSON.parse(r.stdout) as { checks: { id: string; status: string; summary: string }[] };
    const byId = new Map(report.checks.map((c) => [c.id, c]));
    expect(byId.get('config')).toMatchObject({ status: 'fail', summary: 'not configured: /etc/half/half.conf does not exist' });
    expect(byId.get('daemon')?.status).toBe('ok');
    expect(byId.get('module.nf_conntrack')?.status).not.toBe('fail');
    expect(byId.get('firewall.vrrp')).toMatchObject({ status: 'skip', summary: 'firewall not checked: nft is not installed (Debian package nftables)' });
  });
});
