import { describe, expect, it } from 'vitest';
import { controlMemberMode, controlTarEntries, type ControlMemberName } from '../../../repo-tool/src/deb/control-tar.js';

describe('controlTarEntries', () => {
  it('writes ./ then the members by name; scripts and config 0755, the rest 0644', () => {
    const names: ControlMemberName[] = ['triggers', 'postinst', 'control', 'templates', 'config', 'md5sums', 'conffiles', 'preinst', 'prerm', 'postrm'];
    const tar = controlTarEntries(names.map((name) => ({ name, data: new Uint8Array([1]) })), 9);
    expect(tar.map((e) => `${e.name} ${e.mode.toString(8)}`)).toEqual([
      './ 755', './conffiles 644', './config 755', './control 644', './md5sums 644', './postinst 755', './postrm 755', './preinst 755', './prerm 755', './templates 644', './triggers 644',
    ]);
    expect(tar.every((e) => e.mtime === 9)).toBe(true);
  });

  it('gives each member its mode', () => {
    expect(controlMemberMode('config')).toBe(0o755);
    expect(controlMemberMode('templates')).toBe(0o644);
  });
});
