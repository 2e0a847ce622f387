import { describe, expect, it } from 'vitest';
import { parsePortArgument, portCommand } from './ftp-commands.js';

describe('FTP PORT argument', () => {
  it('writes h1,h2,h3,h4,p1,p2 and reads it back', () => {
    expect(portCommand('192.0.2.128', 40569)).toBe('PORT 192,0,2,128,158,121');
    expect(parsePortArgument('192,0,2,128,158,121')).toEqual({ address: '192.0.2.128', port: 40569 });
    expect(parsePortArgument(' 198,51,100,254,0,21 ')).toEqual({ address: '198.51.100.254', port: 21 });
  });

  it('refuses anything else', () => {
    for (const bad of ['', '192,0,2,128,1', '192,0,2,128,1,2,3', '192,0,2,256,1,2', '192,0,2,x,1,2']) expect(parsePortArgument(bad)).toBeUndefined();
  });
});
