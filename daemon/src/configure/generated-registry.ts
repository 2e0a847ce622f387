// The checksum registry of the files HALF wrote (NODE_FILES.registry, config/node-files.ts), in the spirit of
// ucf's hash file (ucf(1), /var/lib/ucf/hashfile): `<sha256>  <path>` per line, like
// sha256sum(1) output, so that half-syncd's postrm (plain sh) can read the paths on purge.
// A path may be listed with several hashes while a change is being applied: every hash listed is
// content HALF wrote, so a crash between writing the registry and renaming the files never makes
// HALF's own file look like a local edit. Pure: text in, registry out.
import { createHash } from 'node:crypto';

/** path → the sha256 (hex) of every content HALF wrote there and has not yet forgotten. */
export type Registry = ReadonlyMap<string, ReadonlySet<string>>;

const LINE = /^([0-9a-f]{64}) {2}(\/.*)$/;

export function sha256Hex(content: string | Uint8Array): string {
  return createHash('sha256').update(content).digest('hex');
}

export function parseRegistry(text: string): Map<string, Set<string>> {
  const registry = new Map<string, Set<string>>();
  for (const line of text.split('\n')) {
    const m = LINE.exec(line);
    if (m === null) continue;
    const path = m[2] as string;
    const hashes = registry.get(path) ?? new Set<string>();
    hashes.add(m[1] as string);
    registry.set(path, hashes);
  }
  return registry;
}

export function formatRegistry(registry: Registry): string {
  const lines = [
    '# Files written by HALF (half configure, half join, half-syncd\'s postinst) and the sha256 of what',
    '# HALF wrote. A file whose content differs was edited locally and is never overwritten;',
    '# `dpkg --purge half-syncd` removes exactly the files listed here. Do not edit.',
  ];
  const paths = [...registry.keys()].sort();
  for (const path of paths) for (const hash of [...(registry.get(path) ?? [])].sort()) lines.push(`${hash}  ${path}`);
  return lines.join('\n') + '\n';
}

/** Whether `content` is something HALF wrote at `path`. */
export function isRegisteredContent(registry: Registry, path: string, content: string | Uint8Array): boolean {
  return registry.get(path)?.has(sha256Hex(content)) === true;
}

/** A copy with `path` known as exactly `content` (other hashes of the path dropped). */
export function withOnly(registry: Registry, path: string, content: string | Uint8Array): Map<string, Set<string>> {
  const next = new Map([...registry].map(([p, h]) => [p, new Set(h)] as const));
  next.set(path, new Set([sha256Hex(content)]));
  return next;
}

/** A copy with `content` added to the hashes of `path`. */
export function withAdded(registry: Registry, path: string, content: string | Uint8Array): Map<string, Set<string>> {
  const next = new Map([...registry].map(([p, h]) => [p, new Set(h)] as const));
  next.set(path, new Set([...(registry.get(path) ?? []), sha256Hex(content)]));
  return next;
}

/** A copy without `path`. */
export function without(registry: Registry, path: string): Map<string, Set<string>> {
  const next = new Map([...registry].map(([p, h]) => [p, new Set(h)] as const));
  next.delete(path);
  return next;
}
