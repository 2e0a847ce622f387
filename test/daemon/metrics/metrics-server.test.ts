// The metrics endpoint for real: bound to 127.0.0.1 only, scraped with node:http; GET and HEAD
// /metrics in the exposition format, 404 elsewhere, 405 for other methods, 500 (and still
// serving) when rendering fails, a clear error when the port is taken.
import { request } from 'node:http';
import { connect, type Socket } from 'node:net';
import { describe, expect, it } from 'vitest';
import { daemonMetrics } from '../../../daemon/src/metrics/daemon-metrics.js';
import { EXPOSITION_CONTENT_TYPE, renderExposition } from '../../../daemon/src/metrics/exposition.js';
import { METRICS_HOST, METRICS_MAX_CONNECTIONS, METRICS_MAX_REQUESTS_PER_CONNECTION, MetricsServer, MetricsServerError } from '../../../daemon/src/metrics/metrics-server.js';
import { sampleStatus } from '../control/fixtures/sample-status.js';
import { recordingLogger } from '../runtime/recording-logger.js';
import { parseWithPrometheusClient } from './fixtures/prometheus-parser.js';

interface Reply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
}

function scrape(port: number, path = '/metrics', method = 'GET', host = '127.0.0.1'): Promise<Reply> {
  return new Promise((resolve, reject) => {
    const req = request({ host, port, path, method, agent: false }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('MetricsServer', () => {
  it('serves /metrics on 127.0.0.1 only, and nothing else', async () => {
    const server = new MetricsServer({ port: 0, render: () => renderExposition(daemonMetrics(sampleStatus())) });
    const port = await server.listen();
    try {
      expect((server as unknown as { server: { address(): { address: string } } }).server.address().address).toBe(METRICS_HOST);
      const reply = await scrape(port);
      expect(reply.status).toBe(200);
      expect(reply.headers['content-type']).toBe(EXPOSITION_CONTENT_TYPE);
      expect(reply.body).toBe(renderExposition(daemonMetrics(sampleStatus())));
      const families = await parseWithPrometheusClient(reply.body);
      expect(families.find((f) => f.name === 'half_events_in')?.samples[0]?.value).toBe('123456.0');

      const head = await scrape(port, '/metrics', 'HEAD');
      expect(head.status).toBe(200);
      expect(head.body).toBe('');
      expect(Number(head.headers['content-length'])).toBe(Buffer.byteLength(reply.body));
      expect((await scrape(port, '/metrics?x=1')).status).toBe(200);
      expect((await scrape(port, '/')).status).toBe(404);
      expect((await scrape(port, '/metrics/extra')).status).toBe(404);
      const post = await scrape(port, '/metrics', 'POST');
      expect(post.status).toBe(405);
      expect(post.headers['allow']).toBe('GET, HEAD');
      expect(server.counters).toEqual({ scrapes: 3, notFound: 2, badMethod: 1, renderErrors: 0, renderTimeouts: 0, listenFailures: 0, connectionsClosedForRoom: 0 });
    } finally {
      await server.close();
    }
  });

  it('renders per scrape, answers 500 when rendering fails, and keeps serving', async () => {
    let n = 0;
    const server = new MetricsServer({
      port: 0,
      render: async () => {
        n++;
        if (n === 2) throw new Error('status unavailable');
        return `# HELP scrape_number n\n# TYPE scrape_number gauge\nscrape_number ${n}\n`;
      },
    });
    const port = await server.listen();
    try {
      expect((await scrape(port)).body).toMatch(/scrape_number 1\n$/);
      const failed = await scrape(port);
      expect(failed.status).toBe(500);
      expect(failed.body).toBe('rendering metrics failed: status unavailable\n');
      expect((await scrape(port)).body).toMatch(/scrape_number 3\n$/);
      expect(server.counters.renderErrors).toBe(1);
    } finally {
      await server.close();
    }
  });

  it('serves a flood of pipelined scrapes from one render at a time, and caps connections', async () => {
    let renders = 0;
    let running = 0;
    let mostAtOnce = 0;
    const server = new MetricsServer({
      port: 0,
      render: async () => {
        renders++;
        mostAtOnce = Math.max(mostAtOnce, ++running);
        await new Promise((resolve) => setTimeout(resolve, 20));
        running--;
        return `# HELP scrape_number n\n# TYPE scrape_number gauge\nscrape_number ${renders}\n`;
      },
    });
    const port = await server.listen();
    try {
      const asked = 500;
      const answers = await new Promise<string>((resolve, reject) => {
        const get = (connection: string): string => `GET /metrics HTTP/1.1\r\nHost: x\r\nConnection: ${connection}\r\n\r\n`;
        const socket = connect(port, '127.0.0.1', () => socket.write(get('keep-alive').repeat(asked - 1) + get('close')));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => (text += chunk));
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(answers.match(/^HTTP\/1\.1 200 OK\r$/gm)?.length).toBe(asked);
      expect(server.counters.scrapes).toBe(asked);
      expect(mostAtOnce).toBe(1);
      expect(renders).toBeLessThan(10); // one render for the whole pipeline, give or take the parser's chunks

      // past the cap of requests per connection the answer says close, and later requests get 503
      const over = METRICS_MAX_REQUESTS_PER_CONNECTION + 20;
      const flood = await new Promise<string>((resolve, reject) => {
        const socket = connect(port, '127.0.0.1', () => socket.write('GET /metrics HTTP/1.1\r\nHost: x\r\n\r\n'.repeat(over)));
        let text = '';
        socket.setEncoding('utf8');
        socket.on('data', (chunk: string) => {
          text += chunk;
          if ((text.match(/^HTTP\/1\.1 /gm)?.length ?? 0) === over) socket.end();
        });
        socket.on('close', () => resolve(text));
        socket.on('error', reject);
      });
      expect(flood.match(/^HTTP\/1\.1 200 OK\r$/gm)?.length).toBe(METRICS_MAX_REQUESTS_PER_CONNECTION);
      expect(flood.match(/^HTTP\/1\.1 503 Service Unavailable\r$/gm)?.length).toBe(over - METRICS_MAX_REQUESTS_PER_CONNECTION);
      expect(flood.match(/^Connection: close\r$/gim)?.length).toBeGreaterThanOrEqual(1);
      expect(server.counters.scrapes).toBe(asked + METRICS_MAX_REQUESTS_PER_CONNECTION);

      const sockets = await Promise.all(Array.from({ length: METRICS_MAX_CONNECTIONS + 8 }, () => new Promise<Socket>((resolve) => {
        const socket = connect(port, '127.0.0.1', () => resolve(socket));
        socket.on('error', () => undefined);
      })));
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(sockets.filter((socket) => socket.readyState === 'open' && !socket.destroyed && socket.readable).length).toBe(METRICS_MAX_CONNECTIONS);
      for (const socket of sockets) socket.destroy();
    } finally {
      await server.close();
    }
  });

  it('answers 503 when the render does not come in time, and renders afresh for the next scrape', async () => {
    let hang = true;
    const server = new MetricsServer({
      port: 0,
      renderTimeoutMs: 200,
      render: () => (hang ? new Promise<string>(() => undefined) : '# HELP up x\n# TYPE up gauge\nup 1\n'),
    });
    const port = await server.listen();
    try {
      const stuck = await scrape(port);
      expect(stuck.status).toBe(503);
      expect(stuck.body).toMatch(/not ready within 0.2 s/);
      hang = false;
      const next = await scrape(port);
      expect(next.status, 'a render that never settled does not hold the next scrape').toBe(200);
      expect(next.body).toContain('up 1');
      // renders given up on but never settled are bounded: past them, 503 at once, no new render
      hang = true;
      for (let i = 0; i < 6; i++) expect((await scrape(port)).status).toBe(503);
      expect(server.counters.renderTimeouts).toBe(7);
    } finally {
      await server.close();
    }
  });

  it('closes the oldest idle connection for a newcomer, so silent clients cannot keep a scraper out', async () => {
    const server = new MetricsServer({ port: 0, render: () => '# HELP up x\n# TYPE up gauge\nup 1\n' });
    const port = await server.listen();
    const idle = await Promise.all(Array.from({ length: METRICS_MAX_CONNECTIONS }, () => new Promise<Socket>((resolve) => {
      const socket = connect(port, '127.0.0.1', () => resolve(socket));
      socket.on('error', () => undefined);
    })));
    try {
      await new Promise((resolve) => setTimeout(resolve, 100));
      const reply = await scrape(port);
      expect(reply.status).toBe(200);
      expect(server.counters.connectionsClosedForRoom).toBeGreaterThanOrEqual(1);
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(idle[0]?.destroyed || idle[0]?.readable === false, 'the oldest silent connection was closed').toBe(true);
    } finally {
      for (const socket of idle) socket.destroy();
      await server.close();
    }
  });

  it('goes on without the endpoint while its port is taken, and serves once it is free', async () => {
    const first = new MetricsServer({ port: 0, render: () => '' });
    const port = await first.listen();
    const logger = recordingLogger();
    const second = new MetricsServer({ port, render: () => 'half_up 1\n', logger });
    try {
      await second.listenOrRetry(50);
      expect(logger.lines).toHaveLength(1);
      expect(logger.lines[0]).toMatch(/^error cannot listen on 127\.0\.0\.1:\d+ for metrics: EADDRINUSE: replication goes on.*"fix":"another program uses port/);
      const retried = Date.now() + 10_000;
      while (second.counters.listenFailures < 2 && Date.now() < retried) await new Promise((resolve) => setTimeout(resolve, 20));
      expect(second.counters.listenFailures).toBeGreaterThan(1);
      expect(logger.lines).toHaveLength(1); // later failures are counted, not logged again
      await first.close();
      const deadline = Date.now() + 5000;
      while (!logger.lines.some((l) => l.startsWith('info metrics endpoint serving now')) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await scrape(port)).body).toBe('half_up 1\n');
    } finally {
      await first.close();
      await second.close();
    }
  });

  it('stops trying a taken port once closed', async () => {
    const first = new MetricsServer({ port: 0, render: () => '' });
    const port = await first.listen();
    const second = new MetricsServer({ port, render: () => '' });
    try {
      await second.listenOrRetry(30);
      await second.close();
      const tries = second.counters.listenFailures;
      await new Promise((resolve) => setTimeout(resolve, 150));
      expect(second.counters.listenFailures).toBe(tries);
      await expect(new MetricsServer({ port: 70_000, render: () => '' }).listenOrRetry(30)).rejects.toThrow(/70000 is not a TCP port/);
    } finally {
      await first.close();
    }
  });

  it('says which port is taken and how to change it', async () => {
    const first = new MetricsServer({ port: 0, render: () => '' });
    const port = await first.listen();
    try {
      const second = new MetricsServer({ port, render: () => '' });
      const error = await second.listen().catch((e: unknown) => e);
      expect(error).toBeInstanceOf(MetricsServerError);
      expect((error as MetricsServerError).message).toBe(`cannot listen on 127.0.0.1:${port} for metrics: EADDRINUSE`);
      expect((error as MetricsServerError).hint).toMatch(/set metrics-port in \[daemon\] of half.conf/);
      await expect(new MetricsServer({ port: 70_000, render: () => '' }).listen()).rejects.toThrow(/70000 is not a TCP port/);
    } finally {
      await first.close();
    }
  });
});
