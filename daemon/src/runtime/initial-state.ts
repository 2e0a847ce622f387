// What the failover machine starts from. keepalived reports transitions, not states: a daemon
// started (or restarted) while keepalived already runs hears nothing until the next transition.
// A node that holds every one of its virtual addresses is the MASTER, so the daemon feeds the
// machine that MASTER itself (as if keepalived had said it): our own table is re-read and
// replicated. A node holding none waits for keepalived (it said BACKUP at its own start, or it
// will). A node holding only some is mid-transition: keepalived is about to report. Pure.
import type { HalfConfig } from '../config/half-conf.js';
import type { IpAddress } from '../config/ip-address.js';
import { notifySource } from '../config/keepalived-conf.js';
import type { NotifyEvent } from '../ha/notify-event.js';

export function inferredStartEvent(config: HalfConfig, addresses: readonly IpAddress[]): NotifyEvent | undefined {
  const vips = config.vips.flatMap((v) => v.vips.map((vip) => vip.address.text));
  if (vips.length === 0) return undefined;
  const own = new Set(addresses.map((a) => a.text));
  if (!vips.every((vip) => own.has(vip))) return undefined;
  const source = notifySource(config);
  return { type: source.type, name: source.name, state: 'MASTER', priority: source.type === 'GROUP' ? 0 : config.node.priority };
}
