// The `half` command line: options before or after the command, short forms, positional
// arguments, and usage errors that name the problem.
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../../repo-tool/src/model/errors.js';
import { parseCli } from '../../../daemon/src/cli/args.js';

describe('parseCli', () => {
  it.each<[string[], object]>([
    [[], { command: undefined, args: [], given: [] }],
    [['status'], { command: 'status', args: [], given: [] }],
    [['status', '--json'], { command: 'status', options: { json: true }, given: ['json'] }],
    [['--json', 'status'], { command: 'status', options: { json: true }, given: ['json'] }],
    [['-s', '/tmp/x.sock', 'flush', 'external'], { command: 'flush', args: ['external'], options: { socket: '/tmp/x.sock' }, given: ['socket'] }],
    [['flush', '--socket=/tmp/y.sock', 'internal', '-c', 'my.conf'], { command: 'flush', args: ['internal'], options: { socket: '/tmp/y.sock', config: 'my.conf' }, given: ['config', 'socket'] }],
    [['-h'], { command: undefined, options: { help: true } }],
    [['help', 'doctor'], { command: 'help', args: ['doctor'] }],
    [['--version'], { command: undefined, options: { version: true } }],
  ])('parses %j', (argv, expected) => {
    expect(parseCli(argv)).toMatchObject(expected);
  });

  it.each<[string[], RegExp]>([
    [['status', '--jsn'], /Unknown option '--jsn'/],
    [['--socket'], /--socket/],
    [['status', '--json=yes'], /--json/],
    [['status', '--socket', ''], /^--socket is empty$/],
    [['status', '-c', ''], /^--config is empty$/],
  ])('refuses %j with a usage error', (argv, message) => {
    expect(() => parseCli(argv)).toThrow(UsageError);
    expect(() => parseCli(argv)).toThrow(message);
  });
});
