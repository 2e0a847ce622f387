// Reads what the kernel says about its modules and sysctls, read-only. A module is "loaded" when
// /proc/modules lists it, "builtin" when modules.builtin or the kernel config (CONFIG_…=y, from
// /proc/config.gz or /boot/config-<release>) says so, or when /sys/module has it without
// /proc/modules listing it; "available" when modules.dep knows its file. Sources: proc(5)
// (/proc/modules), sysfs-module (Documentation/ABI/stable/sysfs-module), modules.builtin(5),
// modules.dep(5). Sysctls are read from /proc/sys in the caller's network namespace.
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { MODULES, SYSCTLS, type ModuleFact, type ModuleName, type SysctlName } from './facts.js';

/** Kconfig symbol of each module. */
export const MODULE_CONFIG: Readonly<Record<ModuleName, string>> = {
  nf_conntrack: 'CONFIG_NF_CONNTRACK',
  nf_conntrack_netlink: 'CONFIG_NF_CT_NETLINK',
  nf_conntrack_ftp: 'CONFIG_NF_CONNTRACK_FTP',
};

/** The raw texts; null where the file does not exist or cannot be read. */
export interface ModuleSources {
  readonly procModules: string | null;
  readonly sysModule: ReadonlySet<string> | null;
  readonly modulesBuiltin: string | null;
  readonly modulesDep: string | null;
  readonly kernelConfig: string | null;
  /** Where kernelConfig came from. */
  readonly kernelConfigPath: string | null;
}

/** Module file names use _ or - interchangeably (modules.builtin(5)). */
const fileListed = (text: string, name: string): boolean => {
  const pattern = new RegExp(`(^|/)${name.replace(/_/g, '[_-]')}\\.ko(\\.(xz|zst|gz))?(:|$)`, 'm');
  return pattern.test(text);
};

/** Decides a module's state from the sources. Pure. */
export function moduleState(name: ModuleName, s: ModuleSources): ModuleFact {
  if (s.procModules !== null && s.procModules.split('\n').some((line) => line.split(' ')[0] === name)) return { state: 'loaded', source: '/proc/modules' };
  if (s.modulesBuiltin !== null && fileListed(s.modulesBuiltin, name)) return { state: 'builtin', source: 'modules.builtin' };
  const symbol = MODULE_CONFIG[name];
  const setting = s.kernelConfig === null ? undefined : new RegExp(`^${symbol}=([ym])$`, 'm').exec(s.kernelConfig)?.[1];
  if (setting === 'y') return { state: 'builtin', source: `${s.kernelConfigPath ?? 'kernel config'} (${symbol}=y)` };
  // Loaded modules are all in /proc/modules (checked above): one only in /sys/module is built in.
  if (s.sysModule?.has(name) === true) return { state: 'builtin', source: '/sys/module' };
  if (s.modulesDep !== null && fileListed(s.modulesDep, name)) return { state: 'available', source: 'modules.dep' };
  if (setting === 'm') return { state: 'available', source: `${s.kernelConfigPath ?? 'kernel config'} (${symbol}=m)` };
  if (s.kernelConfig !== null || s.modulesDep !== null || s.modulesBuiltin !== null) {
    return { state: 'missing', source: [s.kernelConfigPath, s.modulesDep === null ? null : 'modules.dep'].filter((x) => x !== null).join(', ') || 'modules.builtin' };
  }
  return { state: 'unknown', source: 'no /proc/modules, modules.builtin, modules.dep or kernel config to read' };
}

const readText = (path: string): Promise<string | null> => readFile(path, 'utf8').catch(() => null);

async function readKernelConfig(release: string): Promise<{ text: string; path: string } | null> {
  try {
    return { text: gunzipSync(await readFile('/proc/config.gz')).toString('utf8'), path: '/proc/config.gz' };
  } catch {
    const path = `/boot/config-${release}`;
    const text = await readText(path);
    return text === null ? null : { text, path };
  }
}

export async function readModuleSources(release: string): Promise<ModuleSources> {
  const base = `/lib/modules/${release}`;
  const [procModules, sysModule, modulesBuiltin, modulesDep, config] = await Promise.all([
    readText('/proc/modules'),
    readdir('/sys/module').then((names) => new Set(names), () => null),
    readText(join(base, 'modules.builtin')),
    readText(join(base, 'modules.dep')),
    readKernelConfig(release),
  ]);
  return { procModules, sysModule, modulesBuiltin, modulesDep, kernelConfig: config?.text ?? null, kernelConfigPath: config?.path ?? null };
}

export async function gatherModules(release: string): Promise<Record<ModuleName, ModuleFact>> {
  const sources = await readModuleSources(release);
  return Object.fromEntries(MODULES.map((name) => [name, moduleState(name, sources)])) as Record<ModuleName, ModuleFact>;
}

export async function gatherSysctls(): Promise<Record<SysctlName, string | null>> {
  const values = await Promise.all(SYSCTLS.map((key) => readText(`/proc/sys/${key.replace(/\./g, '/')}`)));
  return Object.fromEntries(SYSCTLS.map((key, i) => [key, values[i]?.trim() ?? null])) as Record<SysctlName, string | null>;
}

/** nf_conntrack_count of the caller's network namespace (DaemonStatus.tables.kernel); null when unreadable. */
export async function readConntrackCount(): Promise<number | null> {
  const text = await readText('/proc/sys/net/netfilter/nf_conntrack_count');
  const count = text === null ? NaN : Number(text.trim());
  return Number.isInteger(count) ? count : null;
}
