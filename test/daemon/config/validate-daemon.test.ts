// [filter] and [daemon]: what is replicated and how the daemon runs.
import { describe, expect, it } from 'vitest';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { CONTROL_SOCKET_MAX_BYTES } from '../../../daemon/src/config/validate-daemon.js';
import { brief, MINIMAL, problemsOf } from './fixtures/problems.js';

describe('[filter]', () => {
  it('reads "all", lists with commas, dashes for underscores, and drops repeats', () => {
    const config = validateHalfConf(`${MINIMAL}[filter]\nprotocols = all\ntcp-states = ESTABLISHED, time-wait established\nignore = 2001:db8::/48\n`, 'h');
    expect(config.filter.protocols).toHaveLength(8);
    expect(config.filter.tcpStates).toEqual(['established', 'time_wait']);
    expect(config.filter.ignore.map((p) => p.text)).toEqual(['2001:db8::/48']);
  });

  it('names the unknown words and suggests the likely one', () => {
    const problems = problemsOf(`${MINIMAL}[filter]\nprotocols = tcp icnp\ntcp-states = establshed bogus\n`);
    expect(brief(problems)).toEqual([
      '11 filter.protocols: "icnp" is not a protocol HALF replicates',
      '12 filter.tcp-states: "establshed" is not a TCP conntrack state',
      '12 filter.tcp-states: "bogus" is not a TCP conntrack state',
    ]);
    expect(problems.map((p) => p.fix.split(':')[0])).toEqual(['did you mean icmp?', 'did you mean established?', 'write "all" or some of']);
  });
});

describe('[daemon]', () => {
  it('reads mode, event reader, purge delay, metrics port and control socket', () => {
    const config = validateHalfConf(`${MINIMAL}[daemon]\nmode = direct\nevent-reader = pump\npurge-delay = 5s\nmetrics-port = 19477\ncontrol-socket = /run/half/ctl.sock\n`, 'h');
    expect(config.daemon).toEqual({ mode: 'direct', eventReader: 'pump', purgeDelaySeconds: 5, metricsPort: 19477, metricsAddress: '127.0.0.1', controlSocket: '/run/half/ctl.sock' });
    expect(validateHalfConf(MINIMAL, 'h').daemon.eventReader).toBe('daemon');
  });

  it('refuses a control socket path too long for the socket the daemon binds', () => {
    const at = (bytes: number): string => `/run/half/${'s'.repeat(bytes - '/run/half/.sock'.length)}.sock`;
    expect(validateHalfConf(`${MINIMAL}[daemon]\ncontrol-socket = ${at(CONTROL_SOCKET_MAX_BYTES)}\n`, 'h').daemon.controlSocket).toBe(at(CONTROL_SOCKET_MAX_BYTES));
    expect(brief(problemsOf(`${MINIMAL}[daemon]\ncontrol-socket = ${at(CONTROL_SOCKET_MAX_BYTES + 1)}\n`))).toEqual([
      `11 daemon.control-socket: is ${CONTROL_SOCKET_MAX_BYTES + 1} bytes long; a unix socket path here may have at most ${CONTROL_SOCKET_MAX_BYTES}`,
    ]);
  });

  it('names the event readers there are when event-reader is wrong', () => {
    const [problem] = problemsOf(`${MINIMAL}[daemon]\nevent-reader = thread\n`);
    expect(problem?.key).toBe('daemon.event-reader');
    expect(`${problem?.message} ${problem?.fix}`).toMatch(/daemon.*pump|pump.*daemon/);
  });

  it('rejects fractional purge delays and unknown keys such as a metrics address', () => {
    expect(brief(problemsOf(`${MINIMAL}[daemon]\npurge-delay = 1.5\nmetrics-address = 0.0.0.0\n`))).toEqual([
      '11 daemon.purge-delay: "1.5" is not a number of seconds from 0 to 3600',
      '12 daemon.metrics-address: is not a known key',
    ]);
  });
});
