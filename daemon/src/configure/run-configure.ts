// `half configure`: renders keepalived.conf, table inet half, the iptables fallback and the
// sysctls from /etc/half/half.conf, never overwriting a file the admin wrote or edited.
// The `half` CLI (daemon/src/cli/half.ts) hands its `configure` subcommand here.
import { ExitCode, UsageError } from '../../../repo-tool/src/model/errors.js';
import { loadClusterKey } from '../config/cluster-key.js';
import { joinExtrasOf } from './cluster-settings.js';
import { defaultDeps, withExitCode, type CommandDeps } from './cli-io.js';
import { parseCommandArgs } from './command-args.js';
import { configureNode, loadNodeConfig, readHalfConfText } from './configure-node.js';
import { DEBCONF_MODES, runDebconfMode, type DebconfMode } from './debconf-mode.js';
import { formatJoinMessage, joinInstructions } from './join-line.js';
import { machineWarnings } from './machine-warnings.js';
import { formatReport } from './messages.js';
import { daemonRunsWith } from './daemon-config.js';
import { keepalivedGate } from './keepalived-check.js';
import { keyFilePath, nodePaths, NODE_FILES } from './node-paths.js';
import { formatSteps, onRunningNode, planRuntimeSteps, runRuntimeSteps } from './runtime-steps.js';

export const CONFIGURE_USAGE = `usage: half configure [--apply] [--config FILE] [--root DIR]
       half configure --print-join
       half configure --debconf suggest|check|apply   (for half-syncd's maintainer scripts)

Renders from ${NODE_FILES.halfConf} (see half.conf(5)):
  ${NODE_FILES.keepalivedConf}   ${NODE_FILES.nftRules}   ${NODE_FILES.iptablesV4}
  ${NODE_FILES.iptablesV6}   ${NODE_FILES.sysctlConf}
A file HALF did not write, or one edited since, is left alone and HALF's version is written
beside it as FILE.half. Files HALF wrote are listed in ${NODE_FILES.registry}.

  --apply        also load the sysctls and restart half-syncd / reload keepalived as needed
  --print-join   print the \`half join\` line (and debconf preseed) for the next node
  --config FILE  another half.conf (default ${NODE_FILES.halfConf}); half.nft goes beside it,
                 where half-syncd --config FILE loads it from
  --root DIR     read and write below DIR instead of / (image builds, tests)
`;

function parse(argv: readonly string[]) {
  return parseCommandArgs('configure', argv, {
    apply: { type: 'boolean', default: false },
    'print-join': { type: 'boolean', default: false },
    debconf: { type: 'string' },
    config: { type: 'string', short: 'c' },
    root: { type: 'string', default: '/' },
    help: { type: 'boolean', short: 'h', default: false },
  });
}

/** `argv` are the arguments after `configure`. Returns the exit code. */
export async function runConfigure(argv: readonly string[], overrides: Partial<CommandDeps> = {}): Promise<number> {
  const deps = defaultDeps(overrides);
  const { io } = deps;
  return withExitCode('half configure', io, async () => {
    const options = parse(argv);
    if (options.help) {
      io.out(CONFIGURE_USAGE);
      return ExitCode.ok;
    }
    const paths = nodePaths(options.root, options.config ?? NODE_FILES.halfConf);
    if (options.debconf !== undefined) {
      if (!(DEBCONF_MODES as readonly string[]).includes(options.debconf)) {
        throw new UsageError(`--debconf ${options.debconf} is not one of ${DEBCONF_MODES.join(', ')}`);
      }
      return runDebconfMode(options.debconf as DebconfMode, paths, deps);
    }
    if (options['print-join']) {
      const config = await loadNodeConfig(paths);
      const key = await loadClusterKey(keyFilePath(config, paths));
      const text = (await readHalfConfText(paths)) ?? '';
      io.out(`${formatJoinMessage(joinInstructions(config, key, joinExtrasOf(text)))}\n`);
      return ExitCode.ok;
    }
    const live = await onRunningNode(paths);
    const report = await configureNode(paths, live ? keepalivedGate(paths) : undefined);
    // the files are written by now: a machine ip(8) cannot read only costs the warnings
    const facts = paths.root === '/' ? await deps.facts.read().catch(() => undefined) : undefined;
    const warnings = facts === undefined ? [] : machineWarnings(report.config, facts);
    io.out(formatReport({ ...report, messages: [...report.messages, ...warnings] }));
    // half.conf may have changed in ways no rendered file shows: half-syncd rereads it on restart,
    // which it needs unless it answers that it runs with this very configuration
    const current = live && (await daemonRunsWith(report.config, await loadClusterKey(keyFilePath(report.config, paths))));
    const steps = planRuntimeSteps(report.changed, paths, !current);
    if (!options.apply) {
      io.out(formatSteps(steps));
      return ExitCode.ok;
    }
    if (!live) {
      io.out(`not applying inside ${paths.root !== '/' ? paths.root : 'a chroot'}: the running system is not this node\n`);
      return ExitCode.ok;
    }
    const failures = await runRuntimeSteps(steps);
    for (const failure of failures) io.err(`half configure: ${failure}\n`);
    return failures.length === 0 ? ExitCode.ok : ExitCode.tool;
  });
}
