// What the first node prints for the next one: the `half join …` command to run there once
// half-syncd is installed, and the same answers as debconf-set-selections(1) lines to preseed
// before `apt-get install half`. The next node's own sync interface and address are left out:
// it finds them from the peer address (suggest-answers.ts). The cluster-wide keys the first
// node's half.conf sets go into the command as --set (cluster-settings.ts); the key goes to its
// standard input (`--key -`), not into its arguments. Pure.
import type { HalfConfig } from '../config/half-conf.js';
import { shellWord } from '../config/shell-word.js';
import { TEMPLATE_PREFIX } from './answers.js';
import { formatSetting, type JoinExtras } from './cluster-settings.js';
import { keyHex } from './key-answer.js';
import { formatVipsAnswer } from './vips-answer.js';

export interface JoinInstructions {
  /** One shell command line; it reads the cluster key from standard input (`--key -`). */
  readonly command: string;
  /** The key as the command reads it: its 64 hex digits. */
  readonly key: string;
  /** debconf-set-selections input, one answer per line. */
  readonly preseed: string;
  /** What the next node needs that neither carries fully, as sentences. */
  readonly notes: readonly string[];
}

export function joinInstructions(config: HalfConfig, key: Uint8Array, extras: JoinExtras = { settings: [], secondLink: false }, nextNodeId = config.node.id + 1): JoinInstructions {
  const link = config.sync.links[0];
  const peer = link.address.text;
  const vips = formatVipsAnswer(config.vips.map((v) => ({ interface: v.interface, prefixes: v.vips })));
  const hex = keyHex(key);
  const id = nextNodeId > 65535 ? 1 : nextNodeId;
  // --apply: the node the line configures comes up (sysctls loaded, half-syncd and keepalived started)
  const command = ['half', 'join', '--apply', '--peer', peer, '--vips', vips, '--router-id', String(config.vrrp.routerId), '--node-id', String(id), ...extras.settings.flatMap((x) => ['--set', formatSetting(x)]), '--key', '-']
    .map(shellWord)
    .join(' ');
  const pkg = TEMPLATE_PREFIX.slice(0, -1);
  const lines: [string, string, string][] = [
    ['setup', 'boolean', 'true'],
    ['role', 'select', 'backup'],
    ['node-id', 'string', String(id)],
    ['sync-peers', 'string', peer],
    ['vips', 'string', vips],
    ['router-id', 'string', String(config.vrrp.routerId)],
    ['cluster-key', 'password', hex],
  ];
  const preseed = lines.map(([q, type, value]) => `${pkg} ${TEMPLATE_PREFIX}${q} ${type} ${value}\n`).join('');
  const notes: string[] = [];
  if (extras.settings.length > 0) {
    notes.push(`The preseed lines do not carry this cluster's ${extras.settings.map((x) => `[${x.section}] ${x.key} = ${x.value}`).join(', ')}: if you preseed, add them to the next node's half.conf afterwards and run half configure --apply there.`);
  }
  if (extras.secondLink) {
    notes.push('This cluster has a second sync link ([sync2]): give the next node its own [sync2] (its interface and address on that link, this node\'s address there as peers) and run half configure --apply there.');
  }
  return { command, key: hex, preseed, notes };
}

/**
 * The command with the key on its standard input: printf is a builtin of sh (dash), bash and
 * zsh, so the key is in no process's arguments, which every local user can read (ps).
 */
export function pipedCommand(instructions: JoinInstructions): string {
  return `printf '%s\\n' ${instructions.key} | ${instructions.command}`;
}

/** The message the first node shows. */
export function formatJoinMessage(instructions: JoinInstructions): string {
  return [
    'To add the next node to this cluster, run on it (after installing half):',
    `  ${pipedCommand(instructions)}`,
    'or, before `apt-get install half` there, preseed debconf with these lines (debconf-set-selections):',
    ...instructions.preseed.trimEnd().split('\n').map((l) => `  ${l}`),
    'The key is the cluster key from /etc/half/cluster.key: copy it over a trusted channel only.',
    ...instructions.notes,
  ].join('\n');
}

/**
 * What a package script says instead of the join line: the line carries the cluster key, and apt
 * keeps everything package scripts print in /var/log/apt/term.log (readable by group adm).
 */
export const JOIN_POINTER = [
  'To add the next node to this cluster, run `half configure --print-join` on this node (as root):',
  'it prints the `half join` line to run there, and the same answers as debconf preseed lines.',
  'They carry the cluster key, so they are not printed here (apt logs what package scripts print).',
].join('\n');
