// Loads the iptables fallback (iptables-rules.ts) the way iptables-restore(8) allows without
// touching other rules: `--noflush` replaces HALF's own chain in one commit per family, then
// each jump into it is checked with -C and inserted at the top with -I only when missing, so
// applying twice changes nothing.
import { ToolError } from '../errors.js';
import { runTool } from '../tools/run-tool.js';
import type { IptablesRendering } from './iptables-rules.js';

export interface IptablesApplyOptions {
  /** Prefix for every command (tests: ['ip', 'netns', 'exec', NS]); default none. */
  readonly prefix?: readonly string[];
}

async function run(prefix: readonly string[], args: readonly string[], input?: string): Promise<{ code: number; stderr: string }> {
  const [file, ...rest] = [...prefix, ...args];
  if (file === undefined) throw new ToolError('iptables-apply: empty command');
  const result = await runTool(file, rest, input === undefined ? {} : { input });
  return { code: result.code ?? -1, stderr: result.stderr || (result.error ?? '') };
}

/** Applies both families; throws ToolError naming the command that failed. */
export async function applyIptablesRules(rendering: IptablesRendering, options: IptablesApplyOptions = {}): Promise<void> {
  const prefix = options.prefix ?? [];
  for (const [restore, tool, text] of [['iptables-restore', 'iptables', rendering.v4], ['ip6tables-restore', 'ip6tables', rendering.v6]] as const) {
    const loaded = await run(prefix, [restore, '--noflush'], text);
    if (loaded.code !== 0) {
      throw new ToolError(`${restore} --noflush refused HALF's rules: ${loaded.stderr.trim()}`, { hint: `check that ${tool} works on this machine (${tool} -S)` });
    }
    for (const hook of rendering.hooks) {
      const rule = ['-t', hook.table, hook.chain, '-j', hook.target];
      const exists = await run(prefix, [tool, '-t', hook.table, '-C', hook.chain, '-j', hook.target]);
      if (exists.code === 0) continue;
      const inserted = await run(prefix, [tool, '-t', hook.table, '-I', hook.chain, '1', '-j', hook.target]);
      if (inserted.code !== 0) throw new ToolError(`${tool} could not insert the jump ${rule.join(' ')}: ${inserted.stderr.trim()}`);
    }
  }
}
