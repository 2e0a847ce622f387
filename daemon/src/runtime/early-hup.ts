// SIGHUP before half-syncd's own handler is in place is ignored, from the first statement of the
// process's JavaScript. The unit passes nftables reloads on as SIGHUP (ReloadPropagatedFrom), and
// Type=exec counts the daemon as started, and reloadable, as soon as Node runs; Node's default
// for SIGHUP ends the process, and systemd counts an end by SIGHUP as clean, so Restart=on-failure
// would not restart it (the unit's RestartForceExitStatus=SIGHUP covers Node's own start, before
// any JavaScript runs). main.ts imports this module first: ES modules evaluate in import order,
// so the hold is on before the rest of the bundle is evaluated. A reload missed this way costs
// nothing: the daemon checks its nftables table every 10 s (nft-table-keeper.ts).

const ignore = (): void => undefined;

/** Ignores SIGHUP until releaseEarlyHup (idempotent). */
export function holdEarlyHup(): void {
  if (!process.listeners('SIGHUP').includes(ignore)) process.on('SIGHUP', ignore);
}

/** Ends the hold: the daemon's own handler, or Node's default, decides again. */
export function releaseEarlyHup(): void {
  process.off('SIGHUP', ignore);
}

holdEarlyHup();
