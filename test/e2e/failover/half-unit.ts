// What systemd would run for a unit, read from the unit file an installed package shipped, so
// that a firewall without systemd (a Debian rootfs in a network namespace) starts its services
// with exactly the unit's command lines. Sources: systemd.service(5) "COMMAND LINES" (quoting,
// the `-@:+!` prefixes, "$FOO" splitting at whitespace vs "${FOO}" as one word, an empty
// assignment resetting a list), systemd.exec(5) EnvironmentFile= (KEY=VALUE lines, `#`/`;`
// comments, quotes removed, a leading `-` making the file optional), RuntimeDirectory= and
// StateDirectory= (below /run and /var/lib). Only what the harness needs; pure: text in, data out.

export interface ExecLine {
  /** The words as written, before variable expansion. */
  readonly words: readonly string[];
  /** `-`: a failure of this command is ignored. */
  readonly ignoreFailure: boolean;
  /** `:`: no environment variable substitution. */
  readonly noSubstitution: boolean;
}

export interface ServiceUnit {
  readonly execStartPre: readonly ExecLine[];
  readonly execStart: readonly ExecLine[];
  /** Run after the service stopped, however it ended (a crash included). */
  readonly execStopPost: readonly ExecLine[];
  readonly environmentFiles: readonly { readonly path: string; readonly optional: boolean }[];
  /** Absolute paths of RuntimeDirectory= (below /run) and StateDirectory= (below /var/lib). */
  readonly runtimeDirectories: readonly string[];
  readonly stateDirectories: readonly string[];
  readonly type: string;
}

export class UnitFileError extends Error {
  override readonly name = 'UnitFileError';
}

/** Splits a command line into words: whitespace separates, '…' and "…" quote, \ escapes. */
export function splitWords(text: string): string[] {
  const words: string[] = [];
  let word: string | undefined;
  let quote: string | undefined;
  for (let i = 0; i < text.length; i++) {
    const c = text[i] as string;
    if (quote !== undefined) {
      if (c === quote) quote = undefined;
      else if (c === '\\' && quote === '"' && i + 1 < text.length) word += text[++i] as string;
      else word += c;
    } else if (c === '"' || c === "'") {
      quote = c;
      word ??= '';
    } else if (/\s/.test(c)) {
      if (word !== undefined) words.push(word);
      word = undefined;
    } else if (c === '\\' && i + 1 < text.length) {
      word = (word ?? '') + (text[++i] as string);
    } else word = (word ?? '') + c;
  }
  if (quote !== undefined) throw new UnitFileError(`unterminated ${quote} quote in "${text}"`);
  if (word !== undefined) words.push(word);
  return words;
}

function execLine(value: string, key: string): ExecLine {
  const prefix = /^[-@:+!]*/.exec(value)?.[0] ?? '';
  if (prefix.includes('@')) throw new UnitFileError(`${key}=${value}: the "@" prefix (argv[0] of its own) is not supported here`);
  const words = splitWords(value.slice(prefix.length));
  if (words.length === 0) throw new UnitFileError(`${key}= names no command`);
  if (!(words[0] as string).startsWith('/')) throw new UnitFileError(`${key}=${value}: the command must be an absolute path in this reader`);
  return { words, ignoreFailure: prefix.includes('-'), noSubstitution: prefix.includes(':') };
}

/** Reads the [Service] section of a unit file (continuation lines joined, comments dropped). */
export function parseServiceUnit(text: string): ServiceUnit {
  const joined = text.replace(/\\\n/g, ' ').split('\n');
  let section = '';
  const pre: ExecLine[] = [];
  const start: ExecLine[] = [];
  const stopPost: ExecLine[] = [];
  const envFiles: { path: string; optional: boolean }[] = [];
  const runtime: string[] = [];
  const state: string[] = [];
  let type = 'simple';
  for (const raw of joined) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const header = /^\[(.+)\]$/.exec(line);
    if (header !== null) {
      section = header[1] as string;
      continue;
    }
    if (section !== 'Service') continue;
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const key = line.slice(0, eq).trim();
    const value = line.slice(eq + 1).trim();
    // an empty assignment resets the list
    const add = <T>(list: T[], ...items: T[]): void => void (value === '' ? list.splice(0) : list.push(...items));
    switch (key) {
      case 'Type':
        type = value;
        break;
      case 'ExecStartPre':
        add(pre, ...(value === '' ? [] : [execLine(value, key)]));
        break;
      case 'ExecStart':
        add(start, ...(value === '' ? [] : [execLine(value, key)]));
        break;
      case 'ExecStopPost':
        add(stopPost, ...(value === '' ? [] : [execLine(value, key)]));
        break;
      case 'EnvironmentFile':
        add(envFiles, { path: value.replace(/^-/, ''), optional: value.startsWith('-') });
        break;
      case 'RuntimeDirectory':
        add(runtime, ...splitWords(value).map((d) => `/run/${d}`));
        break;
      case 'StateDirectory':
        add(state, ...splitWords(value).map((d) => `/var/lib/${d}`));
        break;
    }
  }
  if (start.length !== 1 && type !== 'oneshot') throw new UnitFileError(`a ${type} service needs exactly one ExecStart= (found ${start.length})`);
  return { execStartPre: pre, execStart: start, execStopPost: stopPost, environmentFiles: envFiles, runtimeDirectories: runtime, stateDirectories: state, type };
}

/** Reads an EnvironmentFile: KEY=VALUE lines, quotes around the value removed. */
export function parseEnvironmentFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const raw of text.replace(/\\\n/g, '').split('\n')) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const m = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*)$/.exec(line);
    if (m === null) continue;
    const value = m[2] as string;
    const quoted = /^(["'])(.*)\1$/.exec(value);
    env[m[1] as string] = quoted === null ? value : (quoted[2] as string);
  }
  return env;
}

/** The argv systemd runs for `line` with `env`: a "$FOO" word splits into words, "${FOO}" stays one. */
export function expandExecLine(line: ExecLine, env: Readonly<Record<string, string>>): string[] {
  if (line.noSubstitution) return [...line.words];
  const out: string[] = [];
  for (const word of line.words) {
    const whole = /^\$([A-Za-z_][A-Za-z0-9_]*)$/.exec(word);
    if (whole !== null) {
      out.push(...(env[whole[1] as string] ?? '').split(/\s+/).filter((w) => w !== ''));
      continue;
    }
    out.push(word.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_, name: string) => env[name] ?? ''));
  }
  return out;
}
