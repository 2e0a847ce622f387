// Connlabels (CTA_LABELS): a bitmap of up to 128 labels that the kernel keeps as an array of
// unsigned longs and copies out as raw bytes; on the little-endian hosts HALF supports, label
// n is bit (n % 8) of byte (n / 8). The kernel wants a multiple of 4 bytes on input
// (ctnetlink_attach_labels).
//
// Spec: include/net/netfilter/nf_conntrack_labels.h (NF_CT_LABELS_MAX_SIZE),
// net/netfilter/nf_conntrack_netlink.c (ctnetlink_dump_labels, ctnetlink_attach_labels).
import { LABELS_MAX_BYTES } from './ctnetlink-attr.js';

export function labelsFromBytes(bytes: Uint8Array): number[] {
  const labels: number[] = [];
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i] as number;
    if (byte === 0) continue;
    for (let bit = 0; bit < 8; bit++) if ((byte & (1 << bit)) !== 0) labels.push(i * 8 + bit);
  }
  return labels;
}

/** The bitmap for `labels` (each 0..127), LABELS_MAX_BYTES long. */
export function labelsToBytes(labels: readonly number[]): Uint8Array {
  const bytes = new Uint8Array(LABELS_MAX_BYTES);
  for (const label of labels) {
    if (Number.isInteger(label) && label >= 0 && label < LABELS_MAX_BYTES * 8) {
      bytes[label >> 3] = (bytes[label >> 3] as number) | (1 << (label & 7));
    }
  }
  return bytes;
}
