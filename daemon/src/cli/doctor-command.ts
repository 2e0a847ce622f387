// `half doctor [--json]`: gathers the facts of this machine (doctor/gather.ts), runs every check,
// prints one line per check (or JSON), and exits 6 when any check failed.
import type { CliCommand } from './command.js';
import { gatherFacts } from '../doctor/gather.js';
import { renderDoctorJson, renderDoctorText, runChecks } from '../doctor/report.js';
import { CliExit } from './exit-codes.js';

export const doctorCommand: CliCommand = {
  name: 'doctor',
  summary: 'check this node: kernel modules, sysctls, keepalived, peers, firewall rules, clock',
  usage: 'half doctor [--json]',
  details:
    'Read-only. Each check prints OK, WARN, FAIL or SKIP with what it found and the fix. The firewall checks run the loaded ' +
    'nftables ruleset (nft -j list ruleset) against the VRRP adverts and sync datagrams half.conf describes; rules of ' +
    'iptables-legacy are not visible to them, and they warn when such tables are in use. Exit status 6 when any check failed.',
  options: ['json', 'config', 'socket'],
  maxArgs: 0,
  async run({ io, options }) {
    const facts = await gatherFacts({
      ...(options.config === undefined ? {} : { configPath: options.config }),
      ...(options.socket === undefined ? {} : { socketPath: options.socket }),
    });
    const report = runChecks(facts);
    io.out(options.json === true ? renderDoctorJson(report) : renderDoctorText(report));
    return report.failed ? CliExit.doctorFailed : CliExit.ok;
  },
};
