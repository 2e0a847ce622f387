// docs/half.conf.5.md stays true: its shell reader prints what the parser reads (run with the
// real sh and awk), and its example is a valid configuration.
import { readFileSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ProblemList } from '../../../daemon/src/config/config-error.js';
import { parseIni } from '../../../daemon/src/config/ini.js';
import { validateHalfConf } from '../../../daemon/src/config/validate.js';
import { run } from '../../helpers/tools.js';
import { FIXTURES, fixtureText } from './fixtures/configs.js';

const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const DOC = readFileSync(join(ROOT, 'docs', 'half.conf.5.md'), 'utf8');

function between(begin: string, end: string): string {
  const start = DOC.indexOf(begin);
  const stop = DOC.indexOf(end, start);
  expect(start >= 0 && stop > start, `${begin} … ${end} in half.conf.5.md`).toBe(true);
  return DOC.slice(start + begin.length, stop);
}

describe('half.conf(5)', () => {
  const snippet = between('<!-- half-conf-get:begin -->\n```sh\n', '```\n<!-- half-conf-get:end -->');

  /** Asks half_conf_get (real sh and awk) for every key the parser reads in `text`; both answers. */
  async function bothReadings(text: string): Promise<{ shell: string[]; parser: string[] }> {
    const sections = parseIni(text, new ProblemList('half.conf'));
    // [vips] keys are asked as written (interface names keep their case)
    const queries = sections.flatMap((s) => s.entries.map((e) => [s.name, s.name === 'vips' ? e.name : e.key, e.value] as const));
    const script = `${snippet}\nwhile read -r s k; do half_conf_get "$s" "$k" "$1"; done`;
    const input = queries.map(([s, k]) => `${s} ${k}`).join('\n') + '\n';
    const dir = await mkdtemp(join(tmpdir(), 'half-conf-get-'));
    try {
      await writeFile(join(dir, 'half.conf'), text);
      const result = await run('sh', ['-c', script, 'doc', join(dir, 'half.conf')], { input, check: true });
      return { shell: result.stdout.split('\n').slice(0, -1), parser: queries.map(([, , value]) => value) };
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  it.each(FIXTURES)('half_conf_get reads every key of %s as the parser does', async (name) => {
    const { shell, parser } = await bothReadings(fixtureText(name));
    expect(parser.length).toBeGreaterThan(5);
    expect(shell).toEqual(parser);
  });

  it('half_conf_get reads a file with a byte order mark and CRLF lines as the parser does', async () => {
    const text = '\uFEFF' + fixtureText('two-lan-wan').replace(/^#.*\n/, '').replace(/\n/g, '\r\n'); // the mark just before [node]
    const { shell, parser } = await bothReadings(text);
    expect(parser[0]).toBe(validateHalfConf(text, 'half.conf').node.id.toString()); // [node] id, first in the file
    expect(shell).toEqual(parser);
  });

  it('half_conf_get takes section and key names in any case, but a [vips] interface only as written', async () => {
    const script = `${snippet}\nwhile read -r s k; do half_conf_get "$s" "$k" "$1"; echo .; done`;
    const text = '[Node]\nID = 3\n[vips]\nenP2p1s0 = 192.0.2.254/24\n';
    const dir = await mkdtemp(join(tmpdir(), 'half-conf-get-'));
    try {
      await writeFile(join(dir, 'half.conf'), text);
      const result = await run('sh', ['-c', script, 'doc', join(dir, 'half.conf')], { input: 'node id\nNODE Id\nvips enP2p1s0\nVIPS enP2p1s0\nvips enp2p1s0\n', check: true });
      expect(result.stdout.split('.\n').slice(0, -1)).toEqual(['3\n', '3\n', '192.0.2.254/24\n', '192.0.2.254/24\n', '']);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('shows a valid example', () => {
    const example = between('## EXAMPLE\n\n', '\nhalftwo').split('\n').map((l) => l.replace(/^ {4}/, '')).join('\n');
    const config = validateHalfConf(example, 'half.conf.5.md');
    expect(config.vips.map((v) => v.interface)).toEqual(['eth0', 'eth1']);
  });
});
