// The daemon behind the control socket, as the server sees it (STYLE.md rule 4): main.ts wires
// an object of this shape to the real layers; tests pass a fake. A handler refuses a command by
// throwing ControlCommandError (a code, the reason and the fix), which the client prints as is;
// anything else it throws is answered as `internal` and counted, and the server goes on.
import type { NotifyEvent } from '../ha/notify-event.js';
import type { FlushTarget, ResyncSource } from './protocol.js';
import type { CommitSummary, DaemonStatus, FlushSummary, ResyncSummary } from './status-model.js';

export interface ControlHandler {
  status(): DaemonStatus | Promise<DaemonStatus>;
  /** Commit the external cache to the kernel now (what a MASTER transition does). */
  commit(): Promise<CommitSummary>;
  flush(target: FlushTarget): Promise<FlushSummary>;
  resync(source: ResyncSource): Promise<ResyncSummary>;
  /** A keepalived transition forwarded by `half-notify`; queued behind earlier ones. */
  notify(event: NotifyEvent): void | Promise<void>;
}

export { ControlCommandError } from './errors.js';
