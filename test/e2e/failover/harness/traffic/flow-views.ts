// The server's view of each flow: the source address and port it arrives from (after SNAT), and
// every later change of it, which a failover that lost a NAT mapping would cause.
import type { FlowKind } from './frame.js';
import { now } from './flow-recorder.js';
import type { ServerFlowView } from './results.js';

interface View {
  flowId: number;
  kind: FlowKind;
  address: string;
  port: number;
  changes: { at: number; address: string; port: number }[];
}

export class FlowViews {
  private readonly views = new Map<number, View>();

  /** Records where `flowId` came from now; a different source than before is a change. */
  see(flowId: number, kind: FlowKind, address: string, port: number): void {
    const view = this.views.get(flowId);
    if (view === undefined) {
      this.views.set(flowId, { flowId, kind, address, port, changes: [] });
      return;
    }
    const last = view.changes[view.changes.length - 1] ?? view;
    if (last.address !== address || last.port !== port) view.changes.push({ at: now(), address, port });
  }

  list(): ServerFlowView[] {
    return [...this.views.values()];
  }
}
