import { describe, expect, it } from 'vitest';
import { decideKey, formatKeyFile } from '../../../daemon/src/configure/key-answer.js';
import { parseClusterKey } from '../../../daemon/src/config/cluster-key.js';
import { CLUSTER_KEY_HEX } from './helpers/node-root.js';

const key = Uint8Array.from(Buffer.from(CLUSTER_KEY_HEX, 'hex'));
const fresh = () => new Uint8Array(32).fill(9);
const never = (): Uint8Array => {
  throw new Error('no key may be made here');
};

describe('decideKey', () => {
  it('makes a key only when there is neither an answer nor a key file', () => {
    expect(decideKey('', undefined, fresh)).toEqual({ kind: 'write', key: fresh(), generated: true });
    expect(decideKey('', key, never)).toEqual({ kind: 'keep' });
  });

  it('writes a given key (hex or base64) unless the file already holds it', () => {
    expect(decideKey(CLUSTER_KEY_HEX, undefined, never)).toEqual({ kind: 'write', key, generated: false });
    expect(decideKey(Buffer.from(key).toString('base64'), fresh(), never)).toEqual({ kind: 'write', key, generated: false });
    expect(decideKey(` ${CLUSTER_KEY_HEX} `, key, never)).toEqual({ kind: 'keep' });
  });

  it('writes a file the daemon\'s key parser reads back', () => {
    const text = formatKeyFile(key);
    expect(text.startsWith('# HALF cluster key')).toBe(true);
    expect(parseClusterKey(text)).toEqual({ ok: true, key });
  });
});
