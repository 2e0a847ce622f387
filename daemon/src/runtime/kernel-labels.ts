// Labels the kernel holds from before this process. The writer clears the labels of a copy whose
// entry has none left only while labels may be in use (ct-encode.ts), which it learns as it
// writes a labelled entry. A node restarted after its peer cleared a connection's labels would
// not learn it: its kernel still holds the copy labelled, and the peer's resync sends the entry
// without labels. So the kernel is read once at start for labelled entries (those the filter
// accepts: the others are never written). The read is a dump of the whole table, which takes a
// while when the table is large, so the daemon does not wait for it: until it answers, the
// writer takes labels to be held (an update meeting an entry without room for labels costs an
// ENOSPC answer, taken as done).
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper, KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';

/** Tells `writer` whether the kernel holds labelled entries: held until read, and if the read fails. */
export async function noteKernelLabels(dumper: KernelDumper, writer: KernelWriter, filter: FlowFilter, logger: Logger): Promise<void> {
  writer.labelsHeld(true);
  try {
    const labelled = await dumper.countLabelled({ filter });
    writer.labelsHeld(labelled > 0);
    if (labelled > 0) logger.info('the kernel holds labelled connections: updates clear the labels an entry no longer has', { labelled });
  } catch (error) {
    logger.warn('reading the kernel table for labels failed: updates clear the labels an entry no longer has', { error: (error as Error).message });
  }
}
