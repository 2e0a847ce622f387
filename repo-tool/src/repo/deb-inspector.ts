// The role that reads a .deb for the repository: its control paragraph and installed paths.
// The builder's reader (repo-tool/src/deb/) fills it; the repository never parses ar/tar itself.
import type { Paragraph } from '../model/paragraph.js';

export interface InspectedDeb {
  /** DEBIAN/control. */
  readonly control: Paragraph;
  /** Installed regular files and symlinks, without leading `./` or `/`. */
  readonly paths: readonly string[];
}

/**
 * Reads a .deb from elsewhere (import, or a file found in the pool). Rejects a malformed
 * package with a PackageFormatError naming `fileName`; never writes anything.
 */
export type DebInspector = (bytes: Uint8Array, fileName: string) => Promise<InspectedDeb>;
