// `half status [--json]`: the daemon's DaemonStatus, as a readable summary or as JSON.
import { ControlProtocolError } from '../control/errors.js';
import { decodeDaemonStatus } from '../control/status-decode.js';
import type { CliCommand } from './command.js';
import { askDaemon } from './daemon-target.js';
import { CliExit } from './exit-codes.js';
import { renderStatus } from './render-status.js';

export const statusCommand: CliCommand = {
  name: 'status',
  summary: 'role, peers, table sizes, latencies and counters of half-syncd',
  usage: 'half status [--json]',
  details:
    'Peers: STATE is up while the peer was heard within the peer timeout; LAST SEEN is the age of its latest ALIVE or other frame; ' +
    'NEXT SEQ the next of its sequence numbers we expect; ACKED and LAG how far it acknowledged our stream. ' +
    'Tables: internal (our own connections), external (the peers\' connections we hold), kernel (nf_conntrack_count). ' +
    '--json prints the whole status (schema 1) for scripts.',
  options: ['json', 'config', 'socket'],
  maxArgs: 0,
  async run({ io, options }) {
    const answer = await askDaemon(options, { cmd: 'status' });
    const decoded = decodeDaemonStatus(answer);
    if (!decoded.ok) throw new ControlProtocolError(`half-syncd's status does not decode: ${decoded.reason}`, { hint: 'are half and half-syncd from the same release? (`dpkg -l half-syncd`)' });
    io.out(options.json === true ? JSON.stringify(decoded.status, null, 2) + '\n' : renderStatus(decoded.status));
    return CliExit.ok;
  },
};
