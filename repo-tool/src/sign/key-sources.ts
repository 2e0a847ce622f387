// Where the private signing keys come from, decided as data before anything is read: `--key FILE`
// options win, then the environment (HALF_SIGNING_KEY, HALF_SIGNING_KEY_FILE), then the local
// development key (see dev-key.ts). Pure: the environment is an argument.

/** A file holding one or more armored (or binary) private keys, or an environment variable holding armored ones. */
export type KeySource = { readonly file: string } | { readonly env: string };

export const KEY_ENV = 'HALF_SIGNING_KEY';
export const KEY_FILE_ENV = 'HALF_SIGNING_KEY_FILE';
export const PASSPHRASE_ENV = 'HALF_SIGNING_KEY_PASSPHRASE';

export type KeySelection =
  /** Keys named on the command line (`--key FILE`, repeatable). */
  | { readonly kind: 'options'; readonly sources: readonly KeySource[] }
  /** Keys from HALF_SIGNING_KEY and/or HALF_SIGNING_KEY_FILE. */
  | { readonly kind: 'environment'; readonly sources: readonly KeySource[] }
  /** Nothing configured: use (and create once) the development key. */
  | { readonly kind: 'development' };

export interface KeySourceOptions {
  /** Values of the repeatable `--key FILE` option, in the order given. */
  readonly keyFiles?: readonly string[];
}

/** Decides which keys sign. Empty values count as unset. */
export function keySourcesFromEnvironment(
  env: Readonly<Record<string, string | undefined>>,
  options: KeySourceOptions = {},
): KeySelection {
  const files = (options.keyFiles ?? []).filter((f) => f !== '');
  if (files.length > 0) return { kind: 'options', sources: files.map((file) => ({ file })) };
  const sources: KeySource[] = [];
  if ((env[KEY_ENV] ?? '').trim() !== '') sources.push({ env: KEY_ENV });
  for (const file of (env[KEY_FILE_ENV] ?? '').split(':')) if (file !== '') sources.push({ file });
  if (sources.length > 0) return { kind: 'environment', sources };
  return { kind: 'development' };
}

/** How a source is named in messages: `key file "/x/k.asc"`, `environment variable HALF_SIGNING_KEY`. */
export function describeSource(source: KeySource): string {
  return 'file' in source ? `key file "${source.file}"` : `environment variable ${source.env}`;
}
