// The first line of every file rendered from half.conf (keepalived.conf, half.nft, the iptables
// rules, the sysctl file). It names half.conf's path, which is the admin's (--config FILE) and
// may hold any byte but NUL and '/': written raw, a newline in it would end the comment and start
// a line the consumer reads as configuration (an nft `add table`, a keepalived block).
import { visible } from './config-error.js';
import type { HalfConfig } from './half-conf.js';

/** `# <what> of HALF node <id>, rendered from <path>.`, control characters of the path as `\xNN`. */
export function renderedFromLine(what: string, config: HalfConfig): string {
  return `# ${what} of HALF node ${config.node.id}, rendered from ${visible(config.source)}.`;
}
