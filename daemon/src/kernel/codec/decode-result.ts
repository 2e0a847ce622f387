// Decoders of kernel messages return results instead of throwing (STYLE.md rule 6): a netlink
// message handler that throws aborts the whole process with the `netlink` binding, so every
// decoder here answers `{ ok: false, error }` and the caller counts and drops.

export type DecodeResult<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

export function ok<T>(value: T): DecodeResult<T> {
  return { ok: true, value };
}

export function fail<T = never>(error: string): DecodeResult<T> {
  return { ok: false, error };
}

/**
 * Runs a decoder and turns anything it throws (a bug, or a RangeError from a Buffer read we
 * failed to bound) into a failed result: the last line of defence at the decoding edge.
 */
export function guard<T>(what: string, decode: () => DecodeResult<T>): DecodeResult<T> {
  try {
    return decode();
  } catch (error) {
    return fail(`${what}: ${error instanceof Error ? error.message : String(error)}`);
  }
}
