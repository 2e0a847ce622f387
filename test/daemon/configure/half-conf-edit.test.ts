import { describe, expect, it } from 'vitest';
import { answersFromConf, updateHalfConf, type ConfValues } from '../../../daemon/src/configure/half-conf-edit.js';
import { parseVipsAnswer } from '../../../daemon/src/configure/vips-answer.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';

function vips(text: string) {
  const parsed = parseVipsAnswer(text);
  if (!parsed.ok) throw new Error(parsed.problems.join('; '));
  return parsed.lines;
}

const values: ConfValues = {
  role: 'primary',
  nodeId: 1,
  syncInterface: 'eth2',
  syncAddress: '203.0.113.1',
  syncPeers: ['203.0.113.2'],
  routerId: 51,
  vips: vips('eth0=192.0.2.254/24 eth1=198.51.100.254/24'),
};

describe('updateHalfConf', () => {
  it('writes a fresh file that the daemon\'s validator accepts and that reads back as the same answers', () => {
    const text = updateHalfConf(undefined, values);
    const config = validateHalfConf(text, '/etc/half/half.conf');
    expect(config.node).toEqual({ id: 1, priority: 150 });
    expect(config.sync.links[0]).toMatchObject({ interface: 'eth2', peers: [expect.objectContaining({ text: '203.0.113.2' })] });
    expect(config.vips.map((v) => v.interface)).toEqual(['eth0', 'eth1']);
    expect(text.startsWith('# HALF node configuration')).toBe(true);
    expect(answersFromConf(text)).toEqual({
      role: 'primary',
      'node-id': '1',
      'sync-interface': 'eth2',
      'sync-address': '203.0.113.1',
      'sync-peers': '203.0.113.2',
      'router-id': '51',
      vips: 'eth0=192.0.2.254/24 eth1=198.51.100.254/24',
    });
  });

  it('changes only the keys the answers own, keeping comments, order and the admin\'s other keys', () => {
    const admin = [
      '# my firewall pair',
      '[node]',
      'id = 1   # halfone',
      'role = primary',
      '',
      '[sync]',
      'interface = eth2',
      'address = 203.0.113.1',
      'peers = 203.0.113.2  # halftwo',
      'port = 3790',
      '',
      '[vips]',
      '# LAN first',
      'eth0 = 192.0.2.254/24',
      'eth1 = 198.51.100.254/24',
      '',
      '[daemon]',
      'purge-delay = 30',
      '',
    ].join('\n');
    expect(updateHalfConf(admin, values)).toBe(admin); // same answers: not one byte changes
    const changed = updateHalfConf(admin, { ...values, syncPeers: ['203.0.113.2', '203.0.113.3'], vips: vips('eth0=192.0.2.253/24'), routerId: 60 });
    expect(changed).toBe(
      [
        '# my firewall pair',
        '[node]',
        'id = 1   # halfone',
        'role = primary',
        '',
        '[sync]',
        'interface = eth2',
        'address = 203.0.113.1',
        'peers = 203.0.113.2 203.0.113.3  # halftwo',
        'port = 3790',
        '',
        '[vips]',
        '# LAN first',
        'eth0 = 192.0.2.253/24',
        '',
        '[daemon]',
        'purge-delay = 30',
        '',
        '[vrrp]',
        'router-id = 60',
        '',
      ].join('\n'),
    );
    expect(validateHalfConf(changed, 'half.conf').sync.port).toBe(3790);
  });

  it('edits a section whose header carries a comment, as half.conf(5) allows, instead of adding it again', () => {
    const admin = '[node]  # halfone\nid = 1\nrole = primary\n\n[sync]   # the crossover cable\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2\n\n[vips] ; moved by VRRP\neth0 = 192.0.2.254/24\neth1 = 198.51.100.254/24\n';
    const changed = updateHalfConf(admin, { ...values, syncPeers: ['203.0.113.3'] });
    expect(changed).toBe(admin.replace('peers = 203.0.113.2', 'peers = 203.0.113.3'));
    expect(validateHalfConf(changed, 'half.conf').sync.links[0].peers.map((p) => p.text)).toEqual(['203.0.113.3']);
  });

  it('keeps each [vips] line the answers keep, with its comment and place, when other keys change', () => {
    const admin = '[node]\nid = 1\nrole = primary\n\n[sync]\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2\n\n[vips]\neth0 = 192.0.2.254/24  # web\n;eth9 = 192.0.2.9/24\neth1 = 198.51.100.254/24 ; mail\n';
    expect(updateHalfConf(admin, { ...values, syncPeers: ['203.0.113.3'] })).toBe(admin.replace('peers = 203.0.113.2', 'peers = 203.0.113.3'));
    // a changed interface keeps its comment, a dropped one goes, a new one comes last
    const changed = updateHalfConf(admin, { ...values, vips: vips('eth1=198.51.100.253/24 eth3=203.0.113.254/24') });
    expect(changed).toBe(admin.replace('eth0 = 192.0.2.254/24  # web\n', '').replace('eth1 = 198.51.100.254/24 ; mail\n', 'eth1 = 198.51.100.253/24 ; mail\neth3 = 203.0.113.254/24\n'));
    expect(validateHalfConf(changed, 'half.conf').vips.map((v) => v.interface)).toEqual(['eth1', 'eth3']);
  });

  it('edits a key whose comment holds a line separator or a lone CR, instead of adding it again', () => {
    for (const comment of ['# half\u2028two', '# half\rtwo']) {
      const admin = `[node]\nid = 1\nrole = primary\n\n[sync]\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2   ${comment}\n\n[vips]\neth0 = 192.0.2.254/24\neth1 = 198.51.100.254/24\n`;
      const changed = updateHalfConf(admin, { ...values, syncPeers: ['203.0.113.3'] });
      expect(changed).toBe(admin.replace('peers = 203.0.113.2', 'peers = 203.0.113.3'));
      expect(validateHalfConf(changed, 'half.conf').sync.links[0].peers.map((p) => p.text)).toEqual(['203.0.113.3']);
    }
  });

  it('adds missing keys to their section and leaves an admin\'s priority in charge of the role', () => {
    const admin = '[node]\npriority = 120\n\n[sync]\ninterface = eth2\n';
    const text = updateHalfConf(admin, { ...values, role: 'backup' });
    expect(text).toContain('[node]\npriority = 120\nid = 1\n');
    expect(text).not.toContain('role');
    expect(text).toContain('[sync]\ninterface = eth2\naddress = 203.0.113.1\npeers = 203.0.113.2\n');
    expect(answersFromConf(text).role).toBe('primary'); // priority 120 is above a backup's 100
    expect(validateHalfConf(text, 'half.conf').node.priority).toBe(120);
  });

  it('edits a file written with CRLF line ends or a byte order mark in place, keeping them', () => {
    const plain = updateHalfConf(undefined, values);
    for (const [what, text] of [['CRLF', plain.replaceAll('\n', '\r\n')], ['BOM', `\uFEFF${plain}`], ['both', `\uFEFF${plain.replaceAll('\n', '\r\n')}`]] as const) {
      const changed = updateHalfConf(text, { ...values, syncPeers: ['203.0.113.3'] });
      expect(changed, what).toBe(text.replace('peers = 203.0.113.2', 'peers = 203.0.113.3'));
      expect(validateHalfConf(changed, 'half.conf').sync.links[0]?.peers.map((p) => p.text), what).toEqual(['203.0.113.3']);
      expect(answersFromConf(changed), what).toEqual({ ...answersFromConf(plain), 'sync-peers': '203.0.113.3' });
    }
  });

  it('reads a role written in capitals as the validator does, so a reconfigure keeps a backup a backup', () => {
    const backup = updateHalfConf(undefined, { ...values, role: 'backup' }).replace('role = backup', 'role = Backup');
    expect(validateHalfConf(backup, 'half.conf').node.priority).toBe(100);
    expect(answersFromConf(backup).role).toBe('backup');
  });

  it('reads [vips] interfaces in the case written, as the validator and `check` name them, while other keys ignore case', () => {
    const text = updateHalfConf(undefined, values).replace('eth0 =', 'enP2p1s0 =').replace('router-id = 51', 'Router-ID = 51');
    expect(validateHalfConf(text, 'half.conf').vips.map((v) => v.interface)).toEqual(['enP2p1s0', 'eth1']);
    expect(answersFromConf(text)).toMatchObject({ 'router-id': '51', vips: 'enP2p1s0=192.0.2.254/24 eth1=198.51.100.254/24' });
  });
});
