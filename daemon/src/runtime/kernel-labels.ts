// Labels the kernel holds from before this process. The writer clears the labels of a copy whose
// entry has none left only while labels may be in use (ct-encode.ts), which it learns as it
// writes a labelled entry or events show one (kernel-feed.ts). A node restarted after its peer cleared a connection's labels would
// not learn it: its kernel still holds the copy labelled, and the peer's resync sends the entry
// without labels. So the kernel is read once at start for labelled entries (those the filter
// accepts: the others are never written). The read is a dump of the whole table, which takes a
// while when the table is large, so nothing waits for it: it has a socket of its own (a resync at
// takeover does not queue behind it on the daemon's dumper), and until it answers the writer
// takes labels to be held (an update meeting an entry without room for labels costs an ENOSPC
// answer, taken as done).
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper, KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';

export class KernelLabelsRead {
  /** Settles when the read has answered (or failed); never rejects. */
  readonly done: Promise<void>;
  private stopped = false;

  /** Starts the read on `dumper`, which it closes when done. */
  constructor(private readonly dumper: KernelDumper, writer: Pick<KernelWriter, 'labelsHeld'>, filter: FlowFilter, logger: Logger) {
    writer.labelsHeld(true);
    this.done = dumper.countLabelled({ filter }).then(
      (labelled) => {
        writer.labelsHeld(labelled > 0);
        if (labelled > 0) logger.info('the kernel holds labelled connections: updates clear the labels an entry no longer has', { labelled });
      },
      (error: Error) => {
        if (!this.stopped) logger.warn('reading the kernel table for labels failed: updates clear the labels an entry no longer has', { error: error.message });
      },
    ).finally(() => dumper.close());
  }

  /** Abandons a read still running (the daemon stops): its socket is closed, the writer left as it is. */
  stop(): void {
    this.stopped = true;
    this.dumper.close();
  }
}
