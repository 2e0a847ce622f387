// nftables rulesets the kernel tests load into their namespaces.

/**
 * A ruleset that uses connlabels (a rule that never matches sets one), so the kernel gives new
 * entries room for labels; without one, labels given on create are silently dropped and an
 * update with labels answers ENOSPC. (`nft` wants a newline after `ct label set N`.)
 */
export const LABELS_RULESET = `table inet half_labels {
  chain c {
    type filter hook prerouting priority 0;
    meta mark 0x7fffffff ct label set 127
  }
}
`;
