// The pure judges of the install test: which apt output lines are problems (apt-output.ts), what
// a purge left behind (rootfs-files.ts), and that the expected not-configured message is the one
// half-syncd's postinst ships (install-expectations.ts).
import { describe, expect, it } from 'vitest';
import { aptOutputProblems } from './apt-output.js';
import { installExpectations, notConfiguredMessage } from './install-expectations.js';
import { diffFileLists } from './rootfs-files.js';

const expectations = installExpectations({ configured: false, backport: true });
const problems = (stdout: string, stderr = ''): string[] => aptOutputProblems({ stdout, stderr }, expectations).map((p) => `[${p.source}] ${p.line}`);

const CLEAN = [
  'Reading package lists...',
  'The following NEW packages will be installed:',
  '  half half-kernel half-syncd keepalived',
  'Preconfiguring packages ...',
  '0 upgraded, 4 newly installed, 0 to remove and 0 not upgraded.',
  'Need to get 0 B/1203 kB of archives.',
  'After this operation, 5120 kB of additional disk space will be used.',
  'Selecting previously unselected package keepalived.',
  '(Reading database ... 5%(Reading database ... 6770 files and directories currently installed.)',
  'Preparing to unpack .../28-keepalived_1%3a2.3.3-1~bpo12+half1_amd64.deb ...',
  'Unpacking keepalived (1:2.3.3-1~bpo12+half1) ...',
  'Setting up libglib2.0-0:amd64 (2.74.6-2+deb12u9) ...',
  'No schema files found: doing nothing.',
  'Setting up keepalived (1:2.3.3-1~bpo12+half1) ...',
  'invoke-rc.d: could not determine current runlevel',
  'invoke-rc.d: policy-rc.d denied execution of start.',
  'Setting up half-syncd (0.1.0) ...',
  ...notConfiguredMessage(),
  'Setting up half (0.1.0) ...',
  'Processing triggers for libc-bin (2.36-9+deb12u14) ...',
].join('\n');

describe('aptOutputProblems', () => {
  it('passes apt\'s progress, Debian packages\' chatter and the expected messages of HALF\'s packages', () => {
    expect(problems(CLEAN)).toEqual([]);
  });

  it('flags apt warnings and dpkg warnings wherever they appear, stderr included', () => {
    expect(problems(`${CLEAN}\nW: Some index files failed to download.`)).toEqual(['[libc-bin] W: Some index files failed to download.']);
    expect(problems(CLEAN, "dpkg: warning: while removing keepalived, directory '/etc/keepalived' not empty so not removed")).toEqual([
      "[libc-bin] dpkg: warning: while removing keepalived, directory '/etc/keepalived' not empty so not removed",
    ]);
    expect(problems('Reading package lists...', 'debconf: delaying package configuration, since apt-utils is not installed')).toHaveLength(1);
  });

  it('flags anything a HALF package prints that is not expected of it', () => {
    const noisy = CLEAN.replace('Setting up half (0.1.0) ...', 'half configure: no interface is free for the sync link\nSetting up half (0.1.0) ...');
    expect(problems(noisy)).toEqual(['[half-syncd] half configure: no interface is free for the sync link']);
    expect(problems(CLEAN.replace('Setting up half (0.1.0) ...', 'Setting up half (0.1.0) ...\nhello'))).toEqual(['[half] hello']);
  });

  it('flags a Debian package\'s output only when it reads as a warning or an error', () => {
    expect(problems('Setting up udev (252) ...\nA chroot environment has been detected, udev not started.')).toEqual([]);
    expect(problems('Setting up udev (252) ...\nudevadm: failed to read rules')).toEqual(['[udev] udevadm: failed to read rules']);
  });

  it('flags apt lines it does not know, such as packages kept back', () => {
    expect(problems('The following packages have been kept back:\n  half-syncd')).toEqual(['[apt] The following packages have been kept back:', '[apt]   half-syncd']);
  });

  it('holds half-syncd to the configured report once the node has answers', () => {
    const configured = installExpectations({ configured: true, backport: false });
    const report = ['Setting up half-syncd (0.1.0) ...', 'HALF node 1 (priority 150) configured from /etc/half/half.conf:', '  unchanged /etc/half/half.nft'].join('\n');
    expect(aptOutputProblems({ stdout: report, stderr: '' }, configured)).toEqual([]);
    expect(aptOutputProblems({ stdout: CLEAN, stderr: '' }, configured).map((p) => p.source)).toContain('half-syncd');
  });
});

describe('diffFileLists', () => {
  it('reports added and removed paths and changed types, leaving out logs and package databases', () => {
    const before = new Map([['/etc', 'd'], ['/etc/hosts', 'f'], ['/var/log/dpkg.log', 'f']]);
    const after = new Map([['/etc', 'd'], ['/etc/hosts', 'l'], ['/etc/half', 'd'], ['/var/log/apt/history.log', 'f'], ['/var/lib/dpkg/status-old', 'f']]);
    expect(diffFileLists(before, after)).toEqual({ added: ['/etc/half', '/etc/hosts (f → l)'], removed: [] });
    expect(diffFileLists(after, before)).toEqual({ added: ['/etc/hosts (l → f)'], removed: ['/etc/half'] });
  });
});

describe('notConfiguredMessage', () => {
  it('is the here-document of half-syncd\'s postinst, tabs stripped', () => {
    const lines = notConfiguredMessage();
    expect(lines[0]).toMatch(/^HALF is installed but this node is not configured yet/);
    expect(lines).toContain('  - answer the questions: dpkg-reconfigure half-syncd');
    expect(lines.every((l) => !l.startsWith('\t'))).toBe(true);
  });
});
