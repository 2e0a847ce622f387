// Reading systemd units the way systemd runs them: HALF's own half-syncd.service from debian/,
// and Debian's keepalived.service with its /etc/default file as installed on this machine; then
// the command-line rules of systemd.service(5) one by one, and the errors.
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../helpers/half-repo-cli.js';
import { requireTool } from '../../helpers/tools.js';
import { expandExecLine, parseEnvironmentFile, parseServiceUnit, splitWords, UnitFileError, type ExecLine } from './half-unit.js';

describe('parseServiceUnit', () => {
  it('reads half-syncd.service: the nft table first (a failure ignored), then the daemon, with its runtime and state directories', async () => {
    const unit = parseServiceUnit(await readFile(join(PROJECT_ROOT, 'debian/half-syncd/half-syncd.service'), 'utf8'));
    expect(unit.type).toBe('exec');
    expect(unit.execStartPre.map((l) => expandExecLine(l, {}))).toEqual([['/usr/sbin/half-syncd', '--load-table']]);
    // its failure ignored: the daemon's own exit status 78 is what stops the restarts
    expect(unit.execStartPre.map((l) => l.ignoreFailure)).toEqual([true]);
    expect(unit.execStart.map((l) => expandExecLine(l, {}))).toEqual([['/usr/sbin/half-syncd']]);
    expect(unit.runtimeDirectories).toEqual(['/run/half']);
    expect(unit.stateDirectories).toEqual(['/var/lib/half']);
    expect(unit.environmentFiles).toEqual([]);
  });

  it('reads Debian\'s keepalived.service and its optional /etc/default file as systemd would', async () => {
    requireTool('keepalived');
    const unit = parseServiceUnit(await readFile('/lib/systemd/system/keepalived.service', 'utf8'));
    expect(unit.environmentFiles).toEqual([{ path: '/etc/default/keepalived', optional: true }]);
    const env = parseEnvironmentFile(await readFile('/etc/default/keepalived', 'utf8'));
    const argv = expandExecLine(unit.execStart[0] as ExecLine, env);
    expect(argv.slice(0, 2)).toEqual(['/usr/sbin/keepalived', '--dont-fork']);
    expect(argv.slice(2)).toEqual((env['DAEMON_ARGS'] ?? '').split(/\s+/).filter((w) => w !== ''));
  });

  it('resets a list on an empty assignment, joins continuation lines and skips other sections', () => {
    const unit = parseServiceUnit('[Unit]\nExecStart=/bin/not-this\n[Service]\nExecStartPre=/bin/a\nExecStartPre=\nExecStartPre=-/bin/b \\\n  --flag\nExecStart=/bin/c\n');
    expect(unit.execStartPre.map((l) => [l.words, l.ignoreFailure])).toEqual([[['/bin/b', '--flag'], true]]);
    expect(unit.execStart.map((l) => l.words)).toEqual([['/bin/c']]);
  });

  it('refuses what it cannot run faithfully, naming it', () => {
    expect(() => parseServiceUnit('[Service]\nExecStart=@/bin/a name\n')).toThrow(UnitFileError);
    expect(() => parseServiceUnit('[Service]\nExecStart=a\n')).toThrow(/absolute path/);
    expect(() => parseServiceUnit('[Service]\nType=simple\n')).toThrow(/exactly one ExecStart=/);
    expect(() => splitWords('/bin/a "open')).toThrow(/unterminated " quote/);
  });
});

describe('command lines', () => {
  it('splits words at blanks, keeps quoted blanks, undoes escapes', () => {
    expect(splitWords(`/bin/a  'b c' "d \\"e\\"" f\\ g ""`)).toEqual(['/bin/a', 'b c', 'd "e"', 'f g', '']);
  });

  it('expands "$FOO" into words and "${FOO}" into one word; ":" turns expansion off', () => {
    const env = { ARGS: ' -a  -b ', ONE: 'x y' };
    const line = { words: ['/bin/p', '$ARGS', '--v=${ONE}', '$MISSING'], ignoreFailure: false, noSubstitution: false };
    expect(expandExecLine(line, env)).toEqual(['/bin/p', '-a', '-b', '--v=x y']);
    expect(expandExecLine({ ...line, noSubstitution: true }, env)).toEqual(line.words);
  });

  it('reads environment files: comments skipped, quotes removed', () => {
    expect(parseEnvironmentFile('# c\n; c\nA="1 2"\nB=\'3\'\n C = 4\nnot a line\n')).toEqual({ A: '1 2', B: '3', C: '4' });
  });
});
