// `half join`: configures this node as the next member of an existing cluster, from the line the
// first node printed (join-line.ts). It takes the same answers as the debconf questions, finds
// this node's own sync interface and address from the peer's address, writes half.conf and the
// cluster key, and renders the node's files. The `half` CLI hands its `join` subcommand here.
import { ExitCode, UsageError } from '../../../repo-tool/src/model/errors.js';
import { answer, type Answers } from './answers.js';
import { parseSetting } from './cluster-settings.js';
import { applyAnswers } from './apply-answers.js';
import { defaultDeps, withExitCode, type CommandDeps } from './cli-io.js';
import { parseCommandArgs } from './command-args.js';
import { keySource, readJoinKey } from './join-key.js';
import { formatReport } from './messages.js';
import { daemonRunsWith } from './daemon-config.js';
import { keepalivedGate } from './keepalived-check.js';
import { nodePaths } from './node-paths.js';
import { formatSteps, onRunningNode, planRuntimeSteps, runRuntimeSteps } from './runtime-steps.js';
import { suggestAnswers } from './suggest-answers.js';

export const JOIN_USAGE = `usage: half join --peer ADDRESS --vips 'IF=ADDR/LEN … IF2=…' --key -|--key-file FILE [options]

Configures this node as the next member of a cluster: use the line the first node printed.
  --peer ADDRESS        the other node's address on the sync link (several: repeat, or space-separated)
  --vips LIST           the virtual addresses, as on the first node
  --key -               read the cluster key (64 hex digits, from the first node's
                        /etc/half/cluster.key) from standard input
  --key-file FILE       read it from FILE (a copy of the first node's /etc/half/cluster.key)
  --key HEX             give it on the command line (every local user sees it in ps)
  --router-id N         the VRRP router id of the cluster (default 51)
  --set SECTION.KEY=VALUE
                        a half.conf key every node shares (sync port or multicast group,
                        vrrp adverts, advert-interval, preempt, filter, daemon mode), as
                        the first node's line carries them; repeat for each
  --node-id N           this node's number (default 2)
  --role primary|backup (default backup)
  --sync-interface IF, --sync-address ADDRESS
                        this node's end of the sync link (default: found from --peer)
  --apply               also load the sysctls and (re)start half-syncd and keepalived
  --root DIR            write below DIR instead of / (image builds, tests)
`;

function parse(argv: readonly string[]) {
  return parseCommandArgs('join', argv, {
    peer: { type: 'string', multiple: true },
    vips: { type: 'string' },
    key: { type: 'string' },
    'key-file': { type: 'string' },
    'router-id': { type: 'string', default: '51' },
    set: { type: 'string', multiple: true },
    'node-id': { type: 'string', default: '2' },
    role: { type: 'string', default: 'backup' },
    'sync-interface': { type: 'string' },
    'sync-address': { type: 'string' },
    apply: { type: 'boolean', default: false },
    root: { type: 'string', default: '/' },
    help: { type: 'boolean', short: 'h', default: false },
  });
}

/** `argv` are the arguments after `join`. Returns the exit code. */
export async function runJoin(argv: readonly string[], overrides: Partial<CommandDeps> = {}): Promise<number> {
  const deps = defaultDeps(overrides);
  const { io } = deps;
  return withExitCode('half join', io, async () => {
    const options = parse(argv);
    if (options.help) {
      io.out(JOIN_USAGE);
      return ExitCode.ok;
    }
    const missing = (['peer', 'vips', 'key'] as const).filter((k) => options[k] === undefined && (k !== 'key' || options['key-file'] === undefined));
    if (missing.length > 0) throw new UsageError(`--${missing.join(', --')} missing`, { hint: 'copy the whole `half join …` line the first node printed (`half configure --print-join` there)' });
    const settings = (options.set ?? []).map((word) => {
      const setting = parseSetting(word);
      if (typeof setting === 'string') throw new UsageError(`--set ${setting}`, { hint: 'copy the whole `half join …` line the first node printed (`half configure --print-join` there)' });
      return setting;
    });
    // a setting given twice is one too many (the half.conf it wrote then named a line of its own)
    const names = settings.map((s) => `${s.section}.${s.key}`);
    const twice = names.find((name, i) => names.indexOf(name) !== i);
    if (twice !== undefined) throw new UsageError(`--set ${twice} is given twice`, { hint: 'give each setting once, as the first node printed it' });
    const key = await readJoinKey(options, io);
    const answers: Answers = {
      setup: 'true',
      role: options.role,
      'node-id': options['node-id'],
      'router-id': options['router-id'],
      'sync-peers': (options.peer ?? []).join(' '),
      vips: options.vips ?? '',
      'cluster-key': key ?? '',
      ...(options['sync-interface'] === undefined ? {} : { 'sync-interface': options['sync-interface'] }),
      ...(options['sync-address'] === undefined ? {} : { 'sync-address': options['sync-address'] }),
    };
    const facts = await deps.facts.read();
    const found = suggestAnswers(facts, answers);
    for (const q of ['sync-interface', 'sync-address'] as const) if (answer(answers, q) === '' && found.answers[q] !== undefined) answers[q] = found.answers[q];
    const paths = nodePaths(options.root);
    const live = await onRunningNode(paths);
    const result = await applyAnswers(answers, { paths, facts, random: deps.random, settings, ...(live ? { gate: keepalivedGate(paths) } : {}) });
    if (!result.ok) {
      io.err('half join: this node cannot join with these values, nothing was written:\n');
      const option = (q: string): string => (q === 'cluster-key' ? keySource(options) : `--${({ 'sync-peers': 'peer' } as Record<string, string>)[q] ?? q}`);
      for (const p of result.problems) io.err(`  ${p.question === undefined ? 'half.conf' : option(p.question)}: ${p.message}\n`);
      return ExitCode.config;
    }
    io.out(formatReport(result.report));
    const current = live && (await daemonRunsWith(result.report.config, result.key));
    const steps = planRuntimeSteps(result.report.changed, paths, !current);
    if (!options.apply) {
      io.out(formatSteps(steps));
      return ExitCode.ok;
    }
    if (!live) return ExitCode.ok;
    const failures = await runRuntimeSteps(steps);
    for (const failure of failures) io.err(`half join: ${failure}\n`);
    return failures.length === 0 ? ExitCode.ok : ExitCode.tool;
  });
}
