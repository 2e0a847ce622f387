// The cluster key (`sync.key-file`, default /etc/half/cluster.key): 32 random bytes, written in
// the file as 64 hex digits or as base64 (RFC 4648 §4, 44 characters with padding), optionally
// followed by a newline; `#` lines are comments. The file must be a regular file owned by root
// and readable by nobody else (0600 or 0400), since it authenticates every sync message.
import { readFile, stat } from 'node:fs/promises';
import { HalfConfError, type ConfigProblem } from './config-error.js';
import { shellWord } from './shell-word.js';

export const CLUSTER_KEY_BYTES = 32;

/** The shell command that writes a new key into `path`, quoted so that the path stays one word. */
const makeKey = (path: string): string => `(umask 077; head -c 32 /dev/urandom | od -An -tx1 | tr -d " \\n" > ${shellWord(path)})`;

export type ClusterKeyResult =
  | { readonly ok: true; readonly key: Uint8Array }
  | { readonly ok: false; readonly message: string };

/** Decodes the key file's text (pure). */
export function parseClusterKey(text: string): ClusterKeyResult {
  const body = text
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'));
  if (body.length !== 1) {
    return { ok: false, message: body.length === 0 ? 'holds no key' : `holds ${body.length} lines; the key must be one line` };
  }
  const line = body[0] as string;
  if (/^[0-9a-fA-F]+$/.test(line)) {
    if (line.length !== CLUSTER_KEY_BYTES * 2) return { ok: false, message: `holds ${line.length} hex digits, not ${CLUSTER_KEY_BYTES * 2}` };
    return { ok: true, key: Uint8Array.from(Buffer.from(line, 'hex')) };
  }
  if (/^[A-Za-z0-9+/]+={0,2}$/.test(line) && line.length % 4 === 0) {
    const key = Buffer.from(line, 'base64');
    if (key.length !== CLUSTER_KEY_BYTES) return { ok: false, message: `decodes (base64) to ${key.length} bytes, not ${CLUSTER_KEY_BYTES}` };
    return { ok: true, key: Uint8Array.from(key) };
  }
  return { ok: false, message: 'is neither 64 hex digits nor base64' };
}

export interface KeyFileStat {
  readonly mode: number;
  readonly uid: number;
  isFile(): boolean;
}

/** Ownership and permission problems of the key file (pure). */
export function keyFileModeProblems(path: string, info: KeyFileStat): ConfigProblem[] {
  const problems: ConfigProblem[] = [];
  const key = 'sync.key-file';
  if (!info.isFile()) {
    problems.push({ file: path, key, message: 'is not a regular file', fix: `write the key into a plain file: ${makeKey(path)}` });
    return problems;
  }
  if (info.uid !== 0) problems.push({ file: path, key, message: `is owned by uid ${info.uid}, not root`, fix: `chown root:root ${shellWord(path)}` });
  const perms = info.mode & 0o777;
  if ((perms & 0o077) !== 0) {
    problems.push({ file: path, key, message: `has mode ${perms.toString(8).padStart(4, '0')}: others can read the cluster key`, fix: `chmod 0600 ${shellWord(path)}` });
  }
  return problems;
}

/** Reads, checks and decodes the key file. Throws HalfConfError listing every problem. */
export async function loadClusterKey(path: string): Promise<Uint8Array> {
  let info: KeyFileStat;
  let text: string;
  try {
    info = await stat(path);
    text = info.isFile() ? await readFile(path, 'utf8') : '';
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new HalfConfError([
      {
        file: path,
        key: 'sync.key-file',
        message: code === 'ENOENT' ? 'does not exist' : `cannot be read (${code})`,
        fix: `create the same key on every node: ${makeKey(path)}`,
      },
    ]);
  }
  const problems = keyFileModeProblems(path, info);
  if (info.isFile()) {
    const parsed = parseClusterKey(text);
    if (!parsed.ok) problems.push({ file: path, key: 'sync.key-file', message: parsed.message, fix: `write 32 random bytes as hex: ${makeKey(path)}` });
    else if (problems.length === 0) return parsed.key;
  }
  throw new HalfConfError(problems);
}
