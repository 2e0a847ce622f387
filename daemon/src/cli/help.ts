// `half --help` and `half help <command>`: usage, the commands, the options and the exit
// statuses. Pure.
import type { CliCommand } from './command.js';
import { EXIT_CODE_HELP } from './exit-codes.js';
import { SETUP_COMMANDS } from './setup-commands.js';
import { textTable } from './text-table.js';

const OPTIONS: readonly (readonly [string, string])[] = [
  ['-c, --config FILE', 'half.conf to read (default /etc/half/half.conf)'],
  ['-s, --socket PATH', 'half-syncd\'s control socket (default: control-socket of half.conf, else /run/half/half.sock)'],
  ['    --json', 'machine-readable output'],
  ['-h, --help', 'this help; `half help COMMAND` for one command'],
  ['-V, --version', 'print the version'],
];

export function renderHelp(commands: readonly CliCommand[], version: string): string {
  return [
    `half ${version}: the admin command of HALF (High Availability Linux Firewall)`,
    '',
    'usage: half [OPTIONS] COMMAND [ARGS]',
    '',
    'commands:',
    ...textTable([...commands, ...SETUP_COMMANDS].map((c) => [c.name, c.summary]), '  '),
    '(half configure --help and half join --help describe their own options)',
    '',
    'options:',
    ...textTable(OPTIONS.map(([flag, text]) => [flag, text]), '  '),
    '',
    'exit status:',
    ...textTable(EXIT_CODE_HELP.map(([code, text]) => [String(code), text]), '  '),
    '',
  ].join('\n');
}

function wrap(text: string, width = 96): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of text.split(' ')) {
    if (line !== '' && line.length + 1 + word.length > width) {
      lines.push(line);
      line = word;
    } else line = line === '' ? word : `${line} ${word}`;
  }
  return line === '' ? lines : [...lines, line];
}

export function renderCommandHelp(command: CliCommand): string {
  return [`usage: ${command.usage}`, '', ...wrap(command.summary), ...(command.details === undefined ? [] : ['', ...wrap(command.details)]), '', 'Exit statuses: see half --help.', ''].join('\n');
}
