// One error hierarchy for half-repo. Every error names the thing that is wrong and, where one
// exists, the fix; the CLI's single top-level catch maps `exitCode` to the process exit status
// (documented in `half-repo --help`). Model: changesets' packages/errors, execa's kept causes.

export const ExitCode = {
  ok: 0,
  /** Unexpected failure (a bug): the message and stack are printed. */
  internal: 1,
  /** Bad command line. */
  usage: 2,
  /** A package definition in pkgs/ (or a file it names) is invalid. */
  definition: 3,
  /** A .deb given to `import` (or found in the pool) is malformed or does not match. */
  badPackage: 4,
  /** A signing key is missing, unreadable or unsuitable. */
  key: 5,
  /** `verify` found problems in a published repository. */
  verify: 6,
  /** Writing the repository failed; the published tree was left as it was. */
  publish: 7,
  /** An external tool (xz, dpkg-source, mmdebstrap…) failed or is missing. */
  tool: 8,
  /** The configuration (half-repo.json, environment) is invalid. */
  config: 9,
} as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

export interface HalfErrorOptions {
  /** What to do about it, shown after the message. */
  readonly hint?: string;
  readonly cause?: unknown;
}

export class HalfRepoError extends Error {
  readonly exitCode: ExitCode = ExitCode.internal;
  readonly hint: string | undefined;
  constructor(message: string, options: HalfErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.hint = options.hint;
  }
}

export class UsageError extends HalfRepoError {
  override readonly exitCode = ExitCode.usage;
}

/** A package definition is invalid. `subject` is e.g. `pkgs/half.ts: package "half"`. */
export class DefinitionError extends HalfRepoError {
  override readonly exitCode = ExitCode.definition;
}

/** A .deb (or other package artefact) is malformed. */
export class PackageFormatError extends HalfRepoError {
  override readonly exitCode = ExitCode.badPackage;
}

export class KeyError extends HalfRepoError {
  override readonly exitCode = ExitCode.key;
}

export class VerifyError extends HalfRepoError {
  override readonly exitCode = ExitCode.verify;
  constructor(
    message: string,
    readonly problems: readonly string[],
    options: HalfErrorOptions = {},
  ) {
    super(message, options);
  }
}

export class PublishError extends HalfRepoError {
  override readonly exitCode = ExitCode.publish;
}

export class ToolError extends HalfRepoError {
  override readonly exitCode = ExitCode.tool;
}

export class ConfigError extends HalfRepoError {
  override readonly exitCode = ExitCode.config;
}
