// Where `half configure` reads and writes on a node, and which rendered text goes to which file.
// Every path hangs below `root` ('/' on a real node; a folder or a chroot in tests and image
// builds), including the key file half.conf names. Pure.
import { join, resolve } from 'node:path';
import type { HalfConfig } from '../config/half-conf.js';
import type { RenderedNode } from '../config/render-node.js';
import { NODE_FILES, nftFileBeside } from '../config/node-files.js';
import type { Target } from './write-plan.js';

/** Paths on the node, as the admin sees them (without the root). */
export { NODE_FILES };

export interface NodePaths {
  readonly root: string;
  /** `path` (absolute on the node) below the root. */
  at(path: string): string;
  /** half.conf below the root, and as the node names it (for messages and rendered headers). */
  readonly halfConf: string;
  readonly halfConfOnNode: string;
  readonly registry: string;
  readonly legacyRegistry: string;
}

export function nodePaths(givenRoot = '/', halfConf: string = NODE_FILES.halfConf): NodePaths {
  // absolute and normalised (`./img`, `/srv//img/`): the registry strips it from the paths it stores
  const root = resolve(givenRoot);
  const at = (path: string): string => (root === '/' ? path : join(root, path));
  return { root, at, halfConf: at(halfConf), halfConfOnNode: halfConf, registry: at(NODE_FILES.registry), legacyRegistry: at(NODE_FILES.legacyRegistry) };
}

/** The files rendered from half.conf (renderNode), each with its mode. */
export function renderedTargets(rendered: RenderedNode, paths: NodePaths): Target[] {
  return [
    { path: paths.at(NODE_FILES.keepalivedConf), content: rendered.keepalivedConf, mode: 0o644 },
    // beside half.conf, where half-syncd loads it from (the default: /etc/half/half.nft)
    { path: paths.at(nftFileBeside(paths.halfConfOnNode)), content: rendered.nftRuleset, mode: 0o644 },
    { path: paths.at(NODE_FILES.iptablesV4), content: rendered.iptables.v4, mode: 0o644 },
    { path: paths.at(NODE_FILES.iptablesV6), content: rendered.iptables.v6, mode: 0o644 },
    { path: paths.at(NODE_FILES.sysctlConf), content: rendered.sysctlConf, mode: 0o644 },
  ];
}

/** The key file half.conf names, below the root. */
export function keyFilePath(config: HalfConfig, paths: NodePaths): string {
  return paths.at(config.sync.keyFile);
}
