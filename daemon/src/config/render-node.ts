// Everything HALF renders from half.conf for one node, computed before anything is written: a
// caller that got a RenderedNode has every file's text, so it can write them all or none.
import type { HalfConfig } from './half-conf.js';
import { renderIptablesRules, type IptablesRendering } from './iptables-rules.js';
import { notifySource, renderKeepalivedConf, type NotifySource } from './keepalived-conf.js';
import { renderNftRuleset, type NftRenderOptions } from './nft-ruleset.js';
import { renderSysctlConf } from './sysctl-conf.js';

export interface RenderedNode {
  readonly keepalivedConf: string;
  readonly nftRuleset: string;
  readonly iptables: IptablesRendering;
  readonly sysctlConf: string;
  /** Which notify lines drive this node's failover (for ha/). */
  readonly notifySource: NotifySource;
}

/** `nft` carries the takeover guard's state for a reload (see NftRenderOptions). */
export function renderNode(config: HalfConfig, nft: NftRenderOptions = {}): RenderedNode {
  return {
    keepalivedConf: renderKeepalivedConf(config),
    nftRuleset: renderNftRuleset(config, nft),
    iptables: renderIptablesRules(config),
    sysctlConf: renderSysctlConf(config),
    notifySource: notifySource(config),
  };
}
