// Debian architecture names and wildcards (Debian Policy §11.1, dpkg-architecture(1)):
// `amd64` is the tuple linux/amd64, `armhf` is linux/arm, `hurd-i386` is hurd/i386; a
// wildcard is `any`, an exact name, `<os>-any` or `any-<cpu>`. Enough of dpkg's tuple tables to
// evaluate restriction lists for the architectures Debian releases; the test compares with
// `dpkg-architecture -i`.

/** CPU names that differ from the architecture name (dpkg's cputable/tupletable). */
const CPU: Readonly<Record<string, string>> = {
  armhf: 'arm',
  armel: 'arm',
  x32: 'amd64',
  lpia: 'i386',
  powerpcspe: 'powerpc',
};

export interface ArchitectureTuple {
  readonly os: string;
  readonly cpu: string;
}

/** linux for plain names; `<os>-<cpu>` otherwise (`hurd-i386`, `kfreebsd-amd64`). */
export function architectureTuple(architecture: string): ArchitectureTuple {
  const dash = architecture.lastIndexOf('-');
  if (dash === -1) return { os: 'linux', cpu: CPU[architecture] ?? architecture };
  const os = architecture.slice(0, dash);
  return { os: os === 'musl-linux' ? 'linux' : os, cpu: architecture.slice(dash + 1) };
}

/** Whether `architecture` (a concrete name such as `amd64`) matches `wildcard`. */
export function architectureMatches(architecture: string, wildcard: string): boolean {
  if (wildcard === architecture || wildcard === 'any' || wildcard === 'any-any') return true;
  if (architecture === 'all') return wildcard === 'all';
  const tuple = architectureTuple(architecture);
  if (wildcard.endsWith('-any')) return wildcard.slice(0, -4) === tuple.os;
  if (wildcard.startsWith('any-')) return wildcard.slice(4) === tuple.cpu;
  return false;
}
