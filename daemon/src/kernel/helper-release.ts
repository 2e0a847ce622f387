// The release of half-syncd's helpers (the event socket keeper thread, the event pump process)
// against the daemon's own. Both start from files beside the daemon's bundle, the keeper once
// (at start: SocketKeeper.warm), the pump at every subscription. During an upgrade, between
// dpkg's unpack and the postinst's restart, those files are already the new release's while the
// old daemon runs: a helper of another release may speak another protocol, so it refuses to run
// for this daemon (the pump exits with HELPER_RELEASE_EXIT) or is refused (the keeper), and the
// restart brings both to the same release.
import { HALF_VERSION } from '../cli/version.js';

/** The event pump's exit status when its release is not the daemon's. */
export const HELPER_RELEASE_EXIT = 3;

export const HELPER_RELEASE_HINT = "restart half-syncd (the package's postinst does): its files were upgraded while it ran";

/** Why a helper of release `theirs` cannot serve a daemon of release `ours`; undefined when it can. */
export function releaseMismatch(helper: string, theirs: string | undefined, ours: string = HALF_VERSION): string | undefined {
  if (theirs === ours) return undefined;
  return `${helper} is HALF ${theirs ?? 'of an unknown release'}, half-syncd is HALF ${ours}`;
}
