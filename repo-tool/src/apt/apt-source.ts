// One apt data source as sources.list(5) describes it, whichever of its two formats it was
// written in (one-line `deb [opts] uri suite comp…` or deb822 `.sources`). A one-line entry has
// exactly one type; a deb822 stanza may carry several types, URIs and suites.
// Spec: sources.list(5) (apt 2.6), "ONE-LINE-STYLE FORMAT" and "DEB822-STYLE FORMAT".

export type SourceType = 'deb' | 'deb-src';

export interface AptSource {
  readonly types: readonly SourceType[];
  /** As written (apt itself appends a missing trailing "/"). */
  readonly uris: readonly string[];
  /** Suites (codenames, aliases) or, when ending in "/", exact paths. */
  readonly suites: readonly string[];
  /** Empty only for exact-path suites. */
  readonly components: readonly string[];
  /** Keyring path(s) or fingerprint(s) as written, or an embedded armored key block. */
  readonly signedBy: string | undefined;
  /** deb822 `Enabled: no` makes this false; commented-out one-line entries are not returned. */
  readonly enabled: boolean;
  /** Every option or field, name lowercased (`arch`, `architectures`, `trusted`, …). */
  readonly options: Readonly<Record<string, string>>;
  /** Where it was read: `path:line` of the entry's first line. */
  readonly origin: string;
}

/** Splits a whitespace-separated list (deb822 `Suites: a b`, continuation lines included). */
export function splitWords(value: string): string[] {
  return value.split(/\s+/).filter((word) => word.length > 0);
}
