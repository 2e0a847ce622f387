// The CLI's check of a status answer: the real shape passes, and each kind of damage is named
// by its path.
import { describe, expect, it } from 'vitest';
import { renderStatus } from '../../../daemon/src/cli/render-status.js';
import { decodeDaemonStatus } from '../../../daemon/src/control/status-decode.js';
import { sampleStatus } from './fixtures/sample-status.js';

const damaged = (edit: (s: Record<string, any>) => void): unknown => {
  const copy = JSON.parse(JSON.stringify(sampleStatus())) as Record<string, any>;
  edit(copy);
  return copy;
};

describe('decodeDaemonStatus', () => {
  it('accepts what composeStatus builds', () => {
    expect(decodeDaemonStatus(JSON.parse(JSON.stringify(sampleStatus())))).toMatchObject({ ok: true });
  });

  it.each<[string, (s: Record<string, any>) => void, RegExp]>([
    ['another schema', (s) => (s['schema'] = 2), /schema 2 is not 1/],
    ['no schema', (s) => delete s['schema'], /schema null/],
    ['a missing section', (s) => delete s['tables'], /status\.tables is not an object/],
    ['a string count', (s) => (s['tables'].internal = '12'), /status\.tables\.internal is not a number/],
    ['a bad peer', (s) => (s['peers'][1].lastSeenMs = null), /status\.peers\[1\]\.lastSeenMs is not a number/],
    ['a peer role that is no string', (s) => (s['peers'][0].role = 5), /status\.peers\[0\]\.role is not a string or null/],
    ['a peer state of another word', (s) => (s['peers'][1].state = 'UP'), /status\.peers\[1\]\.state is "UP", not "up" or "down"/],
    ['a bad counter', (s) => (s['counters'].drops.forged = 'x'), /status\.counters\.drops holds a value that is not a number/],
    ['a bad histogram', (s) => (s['latency'].replicationLagMs.p99 = 'fast'), /replicationLagMs\.p99 is not a number or null/],
    ['a bad event reader', (s) => (s['kernelEvents'].reader = 3), /status\.kernelEvents\.reader is not a string or null/],
    ['a bad sync link', (s) => (s['syncLinks'] = { switches: 0, links: [{ interface: 'sync0', active: 'yes', silentForMs: 1, sendErrors: 0 }] }), /status\.syncLinks\.links\[0\]\.active is not a boolean/],
    ['sync links without a list', (s) => (s['syncLinks'] = { switches: 0 }), /status\.syncLinks\.links is not an array/],
    ['a bad channel counter', (s) => (s['counters'].channel.multicastRejoins = '1'), /status\.counters\.channel holds a value that is not a number/],
  ])('refuses %s', (_name, edit, reason) => {
    const decoded = decodeDaemonStatus(damaged(edit));
    expect(decoded.ok).toBe(false);
    if (!decoded.ok) expect(decoded.reason).toMatch(reason);
  });

  it('accepts the answer of a daemon older than the kernelEvents section, which `half status` then leaves out', () => {
    const old = damaged((s) => delete s['kernelEvents']);
    const decoded = decodeDaemonStatus(old);
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(renderStatus(decoded.status)).not.toContain('kernel events');
    expect(renderStatus(sampleStatus())).toContain('kernel events: read by daemon');
  });

  it('accepts the answer of a daemon older than the channel counters, which `half status` shows no rejoins for', () => {
    const decoded = decodeDaemonStatus(damaged((s) => delete s['counters'].channel));
    expect(decoded.ok).toBe(true);
    if (decoded.ok) expect(renderStatus(decoded.status)).not.toContain('joined anew');
  });

  it('accepts two sync links, and an answer without them (one link, or an older daemon)', () => {
    const two = JSON.parse(JSON.stringify(sampleStatus({ syncLinks: { switches: 1, links: [{ interface: 'sync0', active: false, silentForMs: 12_500, sendErrors: 3 }, { interface: 'sync1', active: true, silentForMs: 180, sendErrors: 0 }] } })));
    expect(decodeDaemonStatus(two)).toMatchObject({ ok: true });
    expect(sampleStatus().syncLinks).toBeUndefined();
  });

  it('refuses non-objects', () => {
    expect(decodeDaemonStatus(null)).toMatchObject({ ok: false });
    expect(decodeDaemonStatus('status')).toMatchObject({ ok: false });
  });
});
