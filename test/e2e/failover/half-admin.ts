// An admin's one change after `apt-get install half` for a like-for-like comparison with the
// reference stack: the VRRP advert interval. debconf asks no question for it; half.conf(5) has
// `[vrrp] advert-interval` (default 1 s), and the admin edits the file and runs `half configure`,
// which renders keepalived.conf again (in a chroot it applies nothing; the services start later).
import type { HalfNode } from './half-node.js';

/** half.conf text with `advert-interval` set in [vrrp] (the section is added when missing). Pure. */
export function withAdvertInterval(conf: string, seconds: number): string {
  if (!(seconds >= 0.01 && seconds <= 40.95)) throw new RangeError(`advert-interval ${seconds} s is outside 0.01-40.95`);
  const line = `advert-interval = ${seconds}`;
  const lines = conf.split('\n');
  const start = lines.findIndex((l) => l.trim() === '[vrrp]');
  if (start < 0) return `${conf.replace(/\n*$/, '\n')}\n[vrrp]\n${line}\n`;
  const end = lines.findIndex((l, i) => i > start && /^\s*\[/.test(l));
  const section = lines.slice(start + 1, end < 0 ? undefined : end);
  const existing = section.findIndex((l) => /^\s*advert-interval\s*=/.test(l));
  if (existing >= 0) lines[start + 1 + existing] = line;
  else lines.splice(start + 1, 0, line);
  return lines.join('\n');
}

export async function setAdvertInterval(node: HalfNode, seconds: number): Promise<void> {
  const path = '/etc/half/half.conf';
  await node.root.writeFile(path, withAdvertInterval(await node.root.readFile(path), seconds));
  const configured = await node.inNode(['half', 'configure']);
  if (configured.exitCode !== 0) throw new Error(`half configure on ${node.name} failed: ${(configured.stderr || configured.stdout).trim()}`);
  const rendered = await node.root.readFile('/etc/keepalived/keepalived.conf');
  if (!rendered.includes(`advert_int ${seconds}\n`)) throw new Error(`half configure on ${node.name} did not render advert_int ${seconds} into keepalived.conf`);
}
