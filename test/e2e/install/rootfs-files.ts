// What a purge must leave behind: the test root's file list before HALF was installed, compared
// with the list after remove, purge and autoremove (piuparts' check, by hand, for installs that
// piuparts cannot drive: a preseeded node in a network namespace). A list holds every path of
// the root's own file system (`find -xdev`: /proc, /sys, /dev/pts and /dev/shm are other mounts)
// with its type; contents are not compared.
//
// Left out, as piuparts leaves them out and Debian Policy allows: logs (/var/log, §10.8), the
// package manager's own databases and caches (dpkg, apt, debconf's database), the dynamic
// linker's caches, and temporary and runtime directories.
import { run } from '../../helpers/tools.js';

export interface FileListDiff {
  readonly added: readonly string[];
  readonly removed: readonly string[];
}

/** Paths whose appearance or disappearance says nothing about the packages under test. */
export const VOLATILE_PATHS: readonly RegExp[] = [
  /^\/var\/log(\/|$)/, // logs (Policy §10.8); dpkg.log, apt/history.log, alternatives.log
  /^\/var\/lib\/dpkg(\/|$)/, // dpkg's database (status, available, info/, triggers/)
  /^\/var\/lib\/apt(\/|$)/, // apt's lists and extended_states
  /^\/var\/cache\/apt(\/|$)/, // downloaded archives and apt's binary caches
  /^\/var\/cache\/debconf(\/|$)/, // debconf's database (config.dat-old, templates.dat-old …)
  /^\/var\/cache\/ldconfig\/aux-cache$/, // ldconfig's cache (libc-bin trigger)
  /^\/etc\/ld\.so\.cache$/, // ldconfig's cache (libc-bin trigger)
  /^\/(tmp|var\/tmp|run)\//, // temporary and runtime files
];

/** `<type> <path>` for every path of the root's file system, sorted (type: find's %y). */
export async function fileList(rootDir: string): Promise<Map<string, string>> {
  const found = await run('find', [rootDir, '-xdev', '-printf', '%y %P\\n'], { check: true });
  const list = new Map<string, string>();
  for (const line of found.stdout.split('\n')) {
    if (line === '') continue;
    const path = `/${line.slice(2)}`;
    if (path === '/') continue;
    list.set(path, line.slice(0, 1));
  }
  return list;
}

/** Paths (with their type where it changed) that differ, volatile paths left out. Pure. */
export function diffFileLists(before: ReadonlyMap<string, string>, after: ReadonlyMap<string, string>, ignore: readonly RegExp[] = VOLATILE_PATHS): FileListDiff {
  const kept = (path: string): boolean => !ignore.some((pattern) => pattern.test(path));
  const added: string[] = [];
  const removed: string[] = [];
  for (const [path, type] of after) {
    const was = before.get(path);
    if (was === undefined) {
      if (kept(path)) added.push(path);
    } else if (was !== type && kept(path)) added.push(`${path} (${was} → ${type})`);
  }
  for (const path of before.keys()) if (!after.has(path) && kept(path)) removed.push(path);
  return { added: added.sort(), removed: removed.sort() };
}
