// Cache keys for backport builds and their builder images: a SHA-256 over a canonical JSON of
// every input that shapes the output, so a changed input never reuses a stale entry (it is only
// left behind), and equal inputs always find the entry. Bump a FORMAT constant whenever the way
// an artefact is made changes without its inputs changing. Pure.
import { createHash } from 'node:crypto';

/** Bump when the backport steps change (edits, build command, collected files). */
export const BACKPORT_FORMAT = 1;
/** Bump when the way a builder image is made changes. */
export const IMAGE_FORMAT = 1;

export interface BuilderImageSpec {
  readonly suite: string;
  readonly variant: 'buildd';
  /** The Debian mirror URI the image is bootstrapped from. */
  readonly mirror: string;
  readonly architecture: string;
  /** Extra packages (mmdebstrap --include); order does not matter. */
  readonly packages: readonly string[];
}

export interface BackportKeyInput {
  readonly package: string;
  readonly sourceSuite: string;
  readonly sourceVersion: string;
  /** The .dsc and the files it lists, as the signed Sources index describes them. */
  readonly sourceFiles: readonly { readonly name: string; readonly size: number; readonly sha256: string }[];
  readonly targetSuite: string;
  readonly version: string;
  readonly changelogEntry: string;
  readonly examples: readonly { readonly name: string; readonly text: string }[];
  readonly imageKey: string;
  /** DEB_BUILD_OPTIONS of the build. */
  readonly buildOptions: string;
  readonly architecture: string;
}

/** JSON with object keys sorted at every level: the same value always gives the same text. */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
    entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function sha256Hex(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** `bookworm-buildd-<16 hex>`. */
export function builderImageKey(spec: BuilderImageSpec): string {
  const packages = [...new Set(spec.packages)].sort();
  const hash = sha256Hex(canonicalJson({ format: IMAGE_FORMAT, ...spec, packages }));
  return `${spec.suite}-${spec.variant}-${hash.slice(0, 16)}`;
}

/** `keepalived-bookworm-<32 hex>`: a directory name under the backports cache. */
export function backportCacheKey(input: BackportKeyInput): string {
  const files = [...input.sourceFiles].map(({ name, size, sha256 }) => ({ name, size, sha256 })).sort((a, b) => (a.name < b.name ? -1 : 1));
  const examples = input.examples.map(({ name, text }) => ({ name, text }));
  const hash = sha256Hex(canonicalJson({ format: BACKPORT_FORMAT, ...input, sourceFiles: files, examples }));
  return `${input.package}-${input.targetSuite}-${hash.slice(0, 32)}`;
}
