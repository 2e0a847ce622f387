// half-syncd's argument parsing (daemon/src/runtime/daemon-args.ts): defaults, every option, and
// a UsageError that names the problem.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../daemon/src/errors.js';
import { DEFAULT_STATE_DIR, parseDaemonArgs } from '../../../daemon/src/runtime/daemon-args.js';

describe('parseDaemonArgs', () => {
  it('defaults to /etc/half/half.conf and /var/lib/half, in the foreground', () => {
    expect(parseDaemonArgs([])).toEqual({ config: '/etc/half/half.conf', stateDir: DEFAULT_STATE_DIR, addressWaitSeconds: 30, check: false, loadTable: false, help: false, version: false });
    expect(DEFAULT_STATE_DIR).toBe('/var/lib/half');
  });

  it('takes --config, --state-dir, --check, and accepts --foreground / -f', () => {
    expect(parseDaemonArgs(['-c', '/tmp/x.conf', '--state-dir', '/tmp/s', '--foreground', '--check'])).toMatchObject({ config: '/tmp/x.conf', stateDir: '/tmp/s', check: true });
    expect(parseDaemonArgs(['--address-wait', '0']).addressWaitSeconds).toBe(0);
    expect(() => parseDaemonArgs(['--address-wait', '1.5'])).toThrow(/--address-wait 1\.5 is not whole seconds/);
    expect(parseDaemonArgs(['--config=/a', '-f', '-V'])).toMatchObject({ config: '/a', version: true });
  });

  it('refuses unknown options, positionals and empty paths', () => {
    expect(() => parseDaemonArgs(['--daemonize'])).toThrow(UsageError);
    expect(() => parseDaemonArgs(['start'])).toThrow(/Unexpected argument 'start'/);
    expect(() => parseDaemonArgs(['--config', ' '])).toThrow(/^--config needs a path$/);
    expect(() => parseDaemonArgs(['--check', '--load-table'])).toThrow(/^--check and --load-table exclude each other$/);
  });
});
