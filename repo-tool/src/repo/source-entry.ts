// A source package placed in the pool, as the Sources generator sees it (the source-side
// counterpart of model/artifact.ts's PoolEntry).
import type { Digests } from '../format/digests.js';
import type { Paragraph } from '../model/paragraph.js';

export interface SourceFile {
  readonly name: string;
  readonly digests: Digests;
}

export interface SourceEntry {
  /** e.g. `pool/half/k/keepalived/keepalived_2.2.8-1~bpo12+1.dsc`. */
  readonly dscPoolPath: string;
  /** The .dsc paragraph, signature stripped. */
  readonly dsc: Paragraph;
  readonly dscDigests: Digests;
  /** The files the .dsc lists, in its order, with digests we computed. */
  readonly files: readonly SourceFile[];
  /** Suites (codenames) and component it is published in. */
  readonly suites: readonly string[];
  readonly component: string;
}
