// The keepalived notify script of the reference stack (POSIX sh), modelled on conntrack-tools'
// doc/sync/primary-backup.sh but with this node's conntrackd configuration (its socket) instead
// of hard-coded paths, and a timestamped log the harness reads back:
//   primary: commit the external cache to the kernel (-c), flush both caches (-f), resync the
//            internal cache with the kernel (-R), send a bulk update to the peer (-B);
//   backup:  shorten the kernel's timers of stale entries (-t), ask the master for a resync (-n);
//   fault:   shorten timers (-t).
// Without conntrackd (the control run) it only logs. Log lines: "<epoch ns> <event>".
// Pure: paths in, script text out.

export interface NotifyScriptOptions {
  readonly logFile: string;
  /** conntrackd's configuration; undefined when the stack does not replicate. */
  readonly conntrackdConf?: string;
}

export function renderNotifyScript(options: NotifyScriptOptions): string {
  const log = `echo "$(date +%s%N) $*" >> '${options.logFile}'`;
  const head = `#!/bin/sh
# keepalived notify hook (failover scenario reference); $1: primary|backup|fault
log() { ${log}; }
log "notify $1"
`;
  if (options.conntrackdConf === undefined) return `${head}exit 0\n`;
  const ctd = `/usr/sbin/conntrackd -C '${options.conntrackdConf}'`;
  return `${head}ctd() { ${ctd} "$@" >/dev/null 2>&1 || log "conntrackd $* failed: $?"; }
case "$1" in
  primary)
    log commit-start
    ctd -c
    log commit-end
    ctd -f
    ctd -R
    ctd -B
    ;;
  backup)
    ctd -t
    ctd -n
    ;;
  fault)
    ctd -t
    ;;
esac
log "done $1"
exit 0
`;
}

export interface NotifyLogEntry {
  readonly at: number;
  readonly event: string;
}

/** Parses the script's log ("<epoch ns> <event>" lines); epoch milliseconds out. */
export function parseNotifyLog(text: string): NotifyLogEntry[] {
  const entries: NotifyLogEntry[] = [];
  for (const line of text.split('\n')) {
    const m = /^(\d{10,})\s+(.+)$/.exec(line.trim());
    if (m?.[1] !== undefined && m[2] !== undefined) entries.push({ at: Number(BigInt(m[1]) / 1000n) / 1000, event: m[2] });
  }
  return entries;
}
