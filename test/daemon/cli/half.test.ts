// `half` end to end in this process, against a real control server on a unix socket: status
// (JSON and text), commit, flush, resync; and every way of not getting there, each with its exit
// status and a message that says what to do.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliCommand } from '../../../daemon/src/cli/command.js';
import { COMMANDS } from '../../../daemon/src/cli/commands.js';
import { explainUnavailable } from '../../../daemon/src/cli/daemon-target.js';
import { CliExit, describeError, exitCodeFor } from '../../../daemon/src/cli/exit-codes.js';
import { runHalf } from '../../../daemon/src/cli/half.js';
import { renderStatus } from '../../../daemon/src/cli/render-status.js';
import { ControlCommandError, DaemonUnavailableError } from '../../../daemon/src/control/errors.js';
import { captureIo, halfConf, startDaemonish, type Daemonish } from './fixtures.js';

async function half(...argv: string[]) {
  const io = captureIo();
  const code = await runHalf(argv, io);
  return { code, stdout: io.stdout, stderr: io.stderr };
}

describe('half against a running daemon', () => {
  let d: Daemonish;
  let missingConf: string;

  beforeAll(async () => {
    d = await startDaemonish();
    missingConf = `${d.dir}/no-such.conf`;
  });

  afterAll(async () => {
    await d.close();
  });

  it('half status --json prints the daemon\'s status', async () => {
    const r = await half('status', '--json', '--socket', d.socket, '--config', missingConf);
    expect(r.code).toBe(CliExit.ok);
    expect(JSON.parse(r.stdout)).toEqual(d.handler.current);
    expect(r.stderr).toBe('');
  });

  it('half status prints it for people', async () => {
    const r = await half('--socket', d.socket, 'status');
    expect(r).toEqual({ code: 0, stdout: renderStatus(d.handler.current), stderr: '' });
  });

  it('finds the socket through half.conf', async () => {
    const conf = await d.file('half.conf', halfConf(d.socket));
    const r = await half('status', '--json', '--config', conf);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ schema: 1, node: { id: 1 } });
  });

  it('half commit, flush and resync send their requests and print the outcome', async () => {
    d.handler.calls.length = 0;
    expect(await half('commit', '-s', d.socket)).toMatchObject({ code: CliExit.partialCommit, stdout: 'committed 10 entries in 2.50 ms: 8 created, 1 updated, 1 failed\n' });
    d.handler.commitSummary = { entries: 10, created: 8, replaced: 1, updated: 1, failed: 0, durationMs: 2.5 };
    expect(await half('commit', '-s', d.socket)).toMatchObject({ code: 0, stdout: 'committed 10 entries in 2.50 ms: 8 created, 1 replaced, 1 updated, 0 failed\n' });
    expect(await half('flush', '-s', d.socket)).toMatchObject({ code: 0, stdout: 'flushed all: 5 internal and 7 external entries removed\n' });
    expect(await half('flush', 'external', '-s', d.socket)).toMatchObject({ code: 0, stdout: 'flushed external: 0 internal and 7 external entries removed\n' });
    expect(await half('resync', '-s', d.socket)).toMatchObject({ code: 0, stdout: 'resync requested from 1 peer(s)\n' });
    const json = await half('resync', 'kernel', '--json', '-s', d.socket);
    expect(JSON.parse(json.stdout)).toEqual({ source: 'kernel', count: 99 });
    expect(d.handler.calls).toEqual(['commit', 'commit', 'flush all', 'flush external', 'resync peers', 'resync kernel']);
  });

  it('exits 5 with the daemon\'s reason and fix when it refuses', async () => {
    d.handler.failWith = new ControlCommandError('not-master', 'this node is BACKUP: nothing to commit', { hint: 'run half commit on the MASTER' });
    try {
      const r = await half('commit', '-s', d.socket);
      expect(r.code).toBe(CliExit.refused);
      expect(r.stderr).toBe('half: half-syncd refused: this node is BACKUP: nothing to commit (not-master)\n  fix: run half commit on the MASTER\n');
    } finally {
      d.handler.failWith = undefined;
    }
  });

  it('exits 5 when a commit, flush or resync answer has the wrong shape: never a crash, never a false success', async () => {
    const saved = d.handler.commitSummary;
    try {
      d.handler.commitSummary = null as never;
      let r = await half('commit', '-s', d.socket);
      expect(r).toMatchObject({ code: CliExit.refused, stdout: '' });
      expect(r.stderr).toMatch(/^half: half-syncd's answer to commit does not decode: commit is not an object\n {2}fix: are half and half-syncd from the same release/);
      d.handler.commitSummary = { ...saved, failed: 'many' } as never;
      r = await half('commit', '-s', d.socket);
      expect(r).toMatchObject({ code: CliExit.refused, stdout: '' });
      expect(r.stderr).toMatch(/^half: half-syncd's answer to commit does not decode: commit\.failed is not a number\n/);
      d.handler.commitSummary = { ...saved, replaced: '1' } as never;
      expect((await half('commit', '-s', d.socket)).stderr).toMatch(/commit\.replaced is not a number/);
    } finally {
      d.handler.commitSummary = saved;
    }
  });

  it('exits 5 when the answer is not a status', async () => {
    const saved = d.handler.current;
    d.handler.current = { ...saved, schema: 9 } as never;
    try {
      const r = await half('status', '-s', d.socket);
      expect(r.code).toBe(CliExit.refused);
      expect(r.stderr).toMatch(/status does not decode: status schema 9 is not 1\n {2}fix: are half and half-syncd from the same release/);
    } finally {
      d.handler.current = saved;
    }
  });
});

describe('half without a daemon', () => {
  let d: Daemonish;
  let absent: string;

  beforeAll(async () => {
    d = await startDaemonish();
    absent = `${d.dir}/absent.sock`;
  });

  afterAll(async () => {
    await d.close();
  });

  it('says HALF is not configured, and how to finish, when half.conf does not exist', async () => {
    const r = await half('status', '--config', `${d.dir}/half.conf`);
    expect(r.code).toBe(CliExit.notConfigured);
    expect(r.stderr).toBe(
      `half: not configured: ${d.dir}/half.conf does not exist, so half-syncd is not running\n` +
        '  fix: run dpkg-reconfigure half-syncd, or edit /etc/half/half.conf and then run half configure --apply\n',
    );
    expect(r.stdout).toBe('');
  });

  it('lists half.conf\'s problems when it is invalid', async () => {
    const conf = await d.file('bad.conf', halfConf(absent).replace('id = 1', 'id = 0'));
    const r = await half('status', '--config', conf);
    expect(r.code).toBe(CliExit.notConfigured);
    expect(r.stderr).toContain(`half-syncd is not running and ${conf} is invalid:`);
    expect(r.stderr).toMatch(/node\.id/);
    expect(r.stderr).toContain('fix: fix the lines named, then run half configure --apply');
  });

  it('reports the socket given with --socket, not half.conf, when nothing is there', async () => {
    for (const conf of [`${d.dir}/half.conf`, await d.file('bad-too.conf', 'not a config\n')]) {
      const r = await half('status', '--config', conf, '--socket', absent);
      expect(r.code).toBe(CliExit.daemonUnavailable);
      expect(r.stderr).toBe(`half: half-syncd is not running: its control socket ${absent} does not exist\n  fix: start it with \`systemctl start half-syncd\` (its log: \`journalctl -u half-syncd\`)\n`);
    }
  });

  it('says half.conf cannot be read, and which socket was tried, rather than that half-syncd is not running', () => {
    const error = new DaemonUnavailableError('/run/half/half.sock', 'absent');
    const explained = explainUnavailable(error, { socket: '/run/half/half.sock', from: 'default', config: { state: 'unreadable', file: '/etc/half/half.conf', problem: 'cannot be read (EACCES)' } });
    expect(describeError(explained)).toBe(
      'half: /etc/half/half.conf cannot be read (EACCES), so its control socket is unknown; tried the default: half-syncd is not running: its control socket /run/half/half.sock does not exist\n' +
        "  fix: run half as root (half.conf and the control socket are root's alone), or name the socket with --socket\n",
    );
    expect(exitCodeFor(explained)).toBe(CliExit.notConfigured);
    // the same socket named with --socket: its own problem
    expect(explainUnavailable(error, { socket: '/run/half/half.sock', from: 'option', config: { state: 'missing', file: '/etc/half/half.conf' } })).toBe(error);
  });

  it('says the daemon is not running, and how to start it, when HALF is configured', async () => {
    const conf = await d.file('good.conf', halfConf(absent));
    const r = await half('status', '--config', conf);
    expect(r.code).toBe(CliExit.daemonUnavailable);
    expect(r.stderr).toBe(`half: half-syncd is not running: its control socket ${absent} does not exist\n  fix: start it with \`systemctl start half-syncd\` (its log: \`journalctl -u half-syncd\`)\n`);
  });
});

describe('half usage', () => {
  it('documents every exit status in --help', async () => {
    const r = await half('--help');
    expect(r.code).toBe(0);
    for (const code of Object.values(CliExit)) expect(r.stdout).toMatch(new RegExp(`^ {2}${code} {2}\\S`, 'm'));
    for (const command of COMMANDS) expect(r.stdout).toContain(`  ${command.name}  `);
  });

  it('prints help on stderr and exits 2 without a command', async () => {
    const r = await half();
    expect(r.code).toBe(CliExit.usage);
    expect(r.stderr).toContain('usage: half [OPTIONS] COMMAND [ARGS]');
  });

  it('prints one command\'s help', async () => {
    for (const argv of [['help', 'flush'], ['flush', '--help']]) {
      const r = await half(...argv);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^usage: half flush \[all\|internal\|external\] \[--json\]\n/);
    }
  });

  it('finds the set-up commands after options too, and hands those options over', async () => {
    // configure writes to the process's stderr itself; its exit status says it got the file
    const write = process.stderr.write.bind(process.stderr);
    const said: string[] = [];
    process.stderr.write = ((chunk: string) => (said.push(String(chunk)), true)) as typeof process.stderr.write;
    let r;
    try {
      r = await half('-c', '/nonexistent/half.conf', 'configure');
    } finally {
      process.stderr.write = write;
    }
    expect(r.stderr).not.toContain('unknown command');
    expect(r.code).toBe(CliExit.notConfigured);
    expect(said.join('')).toContain('/nonexistent/half.conf');
  });

  it('prints the set-up commands\' help through half help too', async () => {
    for (const name of ['configure', 'join']) {
      const r = await half('help', name);
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(new RegExp(`^usage: half ${name}`));
    }
  });

  it.each<[string[], RegExp]>([
    [['reboot'], /unknown command "reboot"\n {2}fix: commands: status, commit, flush, resync, doctor/],
    [['status', 'now'], /half status: unexpected argument "now"/],
    [['flush', 'kernel'], /half flush: "kernel" is not one of all, internal, external/],
    [['resync', 'peers', 'kernel'], /unexpected argument "kernel"/],
    [['help', 'nope'], /half help: no command "nope"/],
    [['status', '--bogus'], /Unknown option '--bogus'/],
  ])('exits 2 for %j', async (argv, message) => {
    const r = await half(...argv);
    expect(r.code).toBe(CliExit.usage);
    expect(r.stderr).toMatch(message);
  });

  it('prints the version', async () => {
    expect(await half('--version')).toEqual({ code: 0, stdout: 'half dev\n', stderr: '' });
  });

  it('takes new subcommands as table entries ', async () => {
    const configure: CliCommand = {
      name: 'probe',
      summary: 'render and apply the configuration',
      usage: 'half probe [--config FILE]',
      options: ['config'],
      maxArgs: 0,
      async run({ io, options }) {
        io.out(`configured from ${options.config ?? 'default'}\n`);
        return CliExit.ok;
      },
    };
    const io = captureIo();
    expect(await runHalf(['probe', '-c', 'x.conf'], io, [...COMMANDS, configure])).toBe(0);
    expect(io.stdout).toBe('configured from x.conf\n');
    expect(await runHalf(['probe', '--json'], io, [...COMMANDS, configure])).toBe(CliExit.usage);
    expect(io.stderr).toContain('half probe does not take --json');
  });

  it('hands configure and join to the node set-up commands, with their own options', async () => {
    const io = captureIo();
    const out: string[] = [];
    const write = process.stdout.write.bind(process.stdout);
    process.stdout.write = ((chunk: string) => (out.push(String(chunk)), true)) as typeof process.stdout.write;
    try {
      expect(await runHalf(['configure', '--help'], io)).toBe(CliExit.ok);
      expect(await runHalf(['join', '--help'], io)).toBe(CliExit.ok);
    } finally {
      process.stdout.write = write;
    }
    const text = out.join('') + io.stdout;
    expect(text).toContain('usage: half configure');
    expect(text).toContain('usage: half join');
  });

  it('maps an unexpected failure to exit 1 with its stack', async () => {
    const broken: CliCommand = { name: 'broken', summary: '', usage: 'half broken', options: [], maxArgs: 0, run: () => Promise.reject(new TypeError('boom')) };
    const io = captureIo();
    expect(await runHalf(['broken'], io, [broken])).toBe(CliExit.internal);
    expect(io.stderr).toMatch(/^half: unexpected error: TypeError: boom\n {4}at /);
  });
});
