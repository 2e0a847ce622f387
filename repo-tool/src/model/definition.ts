// The typed package definition: one per package in pkgs/. A definition is data; everything
// that turns it into bytes lives in repo-tool/src/deb/. Field semantics follow deb-control(5)
// and Debian Policy §5 and §7 (relationships).

/** Bytes given in code, or a file to read (relative to the repository root, or absolute). */
export type Content = string | Uint8Array | { readonly from: string };

export interface FileEntry {
  /** Absolute install path, e.g. `/usr/bin/half`. */
  readonly path: string;
  readonly content: Content;
  /** Octal permission bits; default 0o644 (0o755 when `from` names an executable file). */
  readonly mode?: number;
  /** Listed in DEBIAN/conffiles (must live under /etc). */
  readonly conffile?: boolean;
}

/** Every file below `from` (a folder), installed below `to`, modes taken from the files (0755 if executable, else 0644). */
export interface TreeEntry {
  readonly from: string;
  readonly to: string;
  /** Paths (relative to `to`) that are conffiles. */
  readonly conffiles?: readonly string[];
}

export interface DirectoryEntry {
  readonly path: string;
  /** Default 0o755. */
  readonly mode?: number;
}

export interface SymlinkEntry {
  readonly path: string;
  /** Written as given (Policy §10.5: relative within a top-level directory). */
  readonly target: string;
}

export interface MaintainerScripts {
  readonly preinst?: Content;
  readonly postinst?: Content;
  readonly prerm?: Content;
  readonly postrm?: Content;
  /** debconf config script. */
  readonly config?: Content;
}

/** Each entry is one comma-separated element; alternatives with ` | ` inside it. */
export interface Relationships {
  readonly preDepends?: readonly string[];
  readonly depends?: readonly string[];
  readonly recommends?: readonly string[];
  readonly suggests?: readonly string[];
  readonly enhances?: readonly string[];
  readonly breaks?: readonly string[];
  readonly conflicts?: readonly string[];
  readonly provides?: readonly string[];
  readonly replaces?: readonly string[];
  readonly builtUsing?: readonly string[];
}

export interface Description {
  /** One line, under 80 characters, no trailing period. */
  readonly synopsis: string;
  /**
   * Extended description as plain text: paragraphs separated by empty lines; lines starting
   * with a space are shown verbatim. Folded into ` ` / ` .` lines by the control writer.
   */
  readonly long?: string;
}

export type Priority = 'required' | 'important' | 'standard' | 'optional' | 'extra';

export interface PackageDefinition {
  readonly name: string;
  /** Debian version, `[epoch:]upstream[-revision]`. */
  readonly version: string;
  /** `all`, `amd64`, `arm64`, … */
  readonly architecture: string;
  readonly maintainer: string;
  readonly description: Description;
  readonly section?: string;
  readonly priority?: Priority;
  readonly homepage?: string;
  /** Source package name and version when they differ from the binary's. */
  readonly source?: { readonly name: string; readonly version?: string };
  readonly multiArch?: 'same' | 'foreign' | 'allowed' | 'no';
  readonly essential?: boolean;
  readonly protected?: boolean;
  readonly relationships?: Relationships;
  readonly files?: readonly FileEntry[];
  readonly trees?: readonly TreeEntry[];
  readonly directories?: readonly DirectoryEntry[];
  readonly symlinks?: readonly SymlinkEntry[];
  readonly scripts?: MaintainerScripts;
  /** debconf templates (DEBIAN/templates). */
  readonly templates?: Content;
  /** dpkg triggers (DEBIAN/triggers). */
  readonly triggers?: Content;
  /**
   * Extra control fields (e.g. `Rules-Requires-Root`), written after the known ones. Field names
   * are case-insensitive (Policy §5.1): no two may differ only in case, none may be a field the
   * builder or the Packages index writes.
   */
  readonly extraFields?: Readonly<Record<string, string>>;
  /** Repository placement: suites (codenames) it goes to (default: all) and component (default `half`). */
  readonly suites?: readonly string[];
  readonly component?: string;
}

/** What a pkgs/*.ts module may compute from: the signing keys and the repository layout. */
export interface DefinitionContext {
  /** Repository root (where package.json lives); relative `from` paths resolve against it. */
  readonly root: string;
  /** The project's version (package.json), the default version for HALF's own packages. */
  readonly projectVersion: string;
  /** SOURCE_DATE_EPOCH in seconds: the only time a definition may use (changelog dates, …). */
  readonly sourceDateEpoch: number;
  /** Public signing keys of this build: binary keyring (concatenated transferable keys) and armored. */
  readonly keyring: {
    readonly binary: Uint8Array;
    readonly armored: string;
    /** Primary key fingerprints, uppercase hex. */
    readonly fingerprints: readonly string[];
    /** Fingerprints of the keys that make signatures (a signing subkey's when there is one). */
    readonly signingFingerprints: readonly string[];
    /** Each key's binary transferable public key, in signing order. */
    readonly publicKeys: readonly Uint8Array[];
  };
  /** The repository's public URL when configured (`url` in half-repo.json, `--url`). */
  readonly url?: string;
  /** Suites (codenames) the repository serves, and its component names. */
  readonly suites: readonly { readonly codename: string; readonly suite: string }[];
  readonly component: string;
}

/** A pkgs/*.ts module's default export. */
export type DefinitionModule = (ctx: DefinitionContext) => PackageDefinition | readonly PackageDefinition[];
