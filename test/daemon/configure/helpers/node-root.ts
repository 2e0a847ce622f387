// A throw-away node root for `half configure` tests: a temporary folder standing for /, with
// half.conf and the cluster key written where the node has them.
import { chmod, mkdir, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';

export const CLUSTER_KEY_HEX = '00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff';

export const PRIMARY_CONF = `[node]
id = 1
role = primary

[sync]
interface = eth2
address = 203.0.113.1
peers = 203.0.113.2

[vips]
eth0 = 192.0.2.254/24 2001:db8:1::fe/64
eth1 = 198.51.100.254/24
`;

export interface NodeRoot {
  readonly dir: string;
  at(path: string): string;
  write(path: string, text: string, mode?: number): Promise<void>;
  read(path: string): Promise<string>;
  exists(path: string): Promise<boolean>;
  cleanup(): Promise<void>;
}

export async function nodeRoot(): Promise<NodeRoot> {
  const dir = await mkdtemp(join(tmpdir(), 'half-configure-'));
  const at = (path: string): string => join(dir, path);
  return {
    dir,
    at,
    async write(path, text, mode = 0o644) {
      await mkdir(dirname(at(path)), { recursive: true });
      await writeFile(at(path), text);
      await chmod(at(path), mode);
    },
    read: (path) => readFile(at(path), 'utf8'),
    exists: (path) => stat(at(path)).then(() => true, () => false),
    cleanup: () => rm(dir, { recursive: true, force: true }),
  };
}

/** half.conf and the key of a configured primary. */
export async function configuredPrimary(root: NodeRoot, conf = PRIMARY_CONF): Promise<void> {
  await root.write('/etc/half/half.conf', conf);
  await root.write('/etc/half/cluster.key', `${CLUSTER_KEY_HEX}\n`, 0o600);
}
