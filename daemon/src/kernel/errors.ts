// Errors of the kernel layer. Like half-repo's hierarchy (repo-tool/src/model/errors.ts): every
// error names the thing that is wrong and, where one exists, the fix (`hint`), and keeps its
// cause. Decoders of kernel messages never throw (they return DecodeResults); these are for
// callers' mistakes (a bad filter setting, an entry that cannot be encoded) and for sockets.

export interface KernelErrorOptions {
  readonly hint?: string;
  readonly cause?: unknown;
}

export class KernelError extends Error {
  readonly hint: string | undefined;
  constructor(message: string, options: KernelErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

/** A flow filter setting is invalid; `setting` names it (e.g. "ignoreAddresses[2]"). */
export class FilterConfigError extends KernelError {
  constructor(
    readonly setting: string,
    message: string,
    options: KernelErrorOptions = {},
  ) {
    super(`flow filter setting ${setting}: ${message}`, options);
  }
}

/** An entry or expectation cannot be turned into a ctnetlink message (bad address, missing port…). */
export class EntryEncodeError extends KernelError {}

/** A netlink socket could not be opened or failed; `errno` is the system error number if known. */
export class NetlinkSocketError extends KernelError {
  constructor(
    message: string,
    readonly errno: number | undefined,
    options: KernelErrorOptions = {},
  ) {
    super(message, options);
  }
}

/** The kernel refused a request (dump, flush) as a whole. */
export class KernelRequestError extends KernelError {
  constructor(
    message: string,
    readonly errno: number,
    options: KernelErrorOptions = {},
  ) {
    super(message, options);
  }
}
