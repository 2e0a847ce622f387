// Texts shown to the admin by the maintainer scripts, `half configure` and `half status` while a
// node is not configured. One place, so that every path says the same thing.
import type { ConfigureReport } from './configure-node.js';
import { NODE_FILES } from './node-paths.js';

/** Shown by postinst after a non-interactive install without answers, and by `half status`. */
export const UNCONFIGURED_MESSAGE = [
  `HALF is installed but this node is not configured yet (no ${NODE_FILES.halfConf}), so half-syncd`,
  'and keepalived stay stopped. To finish, do one of:',
  '  - answer the questions: dpkg-reconfigure half-syncd',
  '  - on the second node: half join … (the exact line is printed when the first node is configured,',
  '    and by `half configure --print-join` there)',
  `  - write ${NODE_FILES.halfConf} yourself (man half.conf), then run: half configure`,
].join('\n');

/** One line per file of the report, then the messages about files left alone. */
export function formatReport(report: ConfigureReport): string {
  const lines = report.outcomes.map((o) => {
    switch (o.outcome) {
      case 'written':
        return `  wrote ${o.path}`;
      case 'unchanged':
        return `  unchanged ${o.path}`;
      case 'kept-edited':
        return o.beside === undefined ? `  kept your edited ${o.path}` : `  kept your edited ${o.path}; HALF's version: ${o.beside}`;
      case 'kept-foreign':
        return `  left your ${o.path} alone; HALF's version: ${o.beside ?? '?'}`;
    }
  });
  return [`HALF node ${report.config.node.id} (priority ${report.config.node.priority}) configured from ${report.config.source}:`, ...lines, ...report.messages.map((m) => `NOTE: ${m}`)].join('\n') + '\n';
}
