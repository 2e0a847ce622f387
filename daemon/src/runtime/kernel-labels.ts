// Labels the kernel holds from before this process. The writer clears the labels of a copy whose
// entry has none left only once it knows labels are in use (ct-encode.ts), which it learns as it
// writes a labelled entry. A node restarted after its peer cleared a connection's labels would
// not learn it: its kernel still holds the copy labelled, and the peer's resync sends the entry
// without labels. So the kernel is read once at start for labelled entries (those the filter
// accepts: the others are never written).
import type { FlowFilter } from '../kernel/flow-filter.js';
import type { KernelDumper, KernelWriter } from '../kernel/kernel-roles.js';
import type { Logger } from '../metrics/logger.js';

/** Tells `writer` that labels are in use if the kernel holds labelled entries; on a failed read, to be safe. */
export async function noteKernelLabels(dumper: KernelDumper, writer: KernelWriter, filter: FlowFilter, logger: Logger): Promise<void> {
  try {
    const labelled = await dumper.countLabelled({ filter });
    if (labelled === 0) return;
    logger.info('the kernel holds labelled connections: updates clear the labels an entry no longer has', { labelled });
  } catch (error) {
    logger.warn('reading the kernel table for labels failed: updates clear the labels an entry no longer has', { error: (error as Error).message });
  }
  writer.labelsInUse();
}
