// A tiny logger for half-syncd: one line per record on stdout, `level message key=value ...`.
// Under systemd (JOURNAL_STREAM set: systemd.exec(5)) lines carry no timestamp (journald adds
// its own) and start with the kernel-style priority prefix `<N>` that journald turns into the
// record's PRIORITY (sd-daemon(3)); otherwise each line starts with an ISO 8601 UTC timestamp.
// Values are written logfmt-style: bare when they are plain words, else double-quoted with \" \\
// \n escaped, so a line stays one line whatever the value holds.
// formatLogLine is pure; createLogger does the I/O, with the wall clock passed in.

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

export type LogValue = string | number | boolean | bigint | null | undefined;
export type LogFields = Readonly<Record<string, LogValue>>;

/** syslog(3) priorities: LOG_DEBUG 7, LOG_INFO 6, LOG_WARNING 4, LOG_ERR 3. */
const PRIORITY: Record<LogLevel, number> = { debug: 7, info: 6, warn: 4, error: 3 };

export interface LogRecord {
  readonly level: LogLevel;
  readonly message: string;
  readonly fields?: LogFields;
}

export interface LogFormat {
  /** True under systemd: priority prefix, no timestamp. */
  readonly journal: boolean;
  /** Wall-clock milliseconds since the epoch; only used when not `journal`. */
  readonly timeMs?: number;
}

const BARE = /^[A-Za-z0-9_.:/@+,-]+$/;

export function formatLogValue(value: LogValue): string {
  if (value === undefined || value === null) return 'null';
  const text = String(value);
  if (BARE.test(text)) return text;
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n').replace(/\r/g, '\\r')}"`;
}

const KEY_OK = /^[A-Za-z_][A-Za-z0-9_.-]*$/;

/** One log line, newline included. */
export function formatLogLine(record: LogRecord, format: LogFormat): string {
  const head = format.journal ? `<${PRIORITY[record.level]}>${record.level}` : `${new Date(format.timeMs ?? 0).toISOString()} ${record.level}`;
  const message = record.message.replace(/\r?\n/g, ' ');
  let line = `${head} ${message}`;
  for (const [key, value] of Object.entries(record.fields ?? {})) {
    if (value === undefined) continue;
    line += ` ${KEY_OK.test(key) ? key : key.replace(/[^A-Za-z0-9_.-]/g, '_') || '_'}=${formatLogValue(value)}`;
  }
  return line + '\n';
}

/** Role: where the daemon's layers report what happened. */
export interface Logger {
  debug(message: string, fields?: LogFields): void;
  info(message: string, fields?: LogFields): void;
  warn(message: string, fields?: LogFields): void;
  error(message: string, fields?: LogFields): void;
}

export interface LoggerOptions {
  /** Where lines go (default: process.stdout). */
  readonly write?: (line: string) => void;
  /** The environment to look at (default: process.env). */
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** Wall clock in ms (default Date.now): timestamps only, never for measuring. */
  readonly wallClock?: () => number;
  /** Lowest level written (default info; HALF_LOG_LEVEL=debug lowers it). */
  readonly level?: LogLevel;
}

export function createLogger(options: LoggerOptions = {}): Logger {
  const env = options.env ?? process.env;
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const wallClock = options.wallClock ?? Date.now;
  const journal = (env['JOURNAL_STREAM'] ?? '') !== '';
  const fromEnv = env['HALF_LOG_LEVEL'];
  const level = options.level ?? ((LOG_LEVELS as readonly string[]).includes(fromEnv ?? '') ? (fromEnv as LogLevel) : 'info');
  const threshold = LOG_LEVELS.indexOf(level);
  const log = (lvl: LogLevel) => (message: string, fields?: LogFields) => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    write(formatLogLine({ level: lvl, message, ...(fields === undefined ? {} : { fields }) }, journal ? { journal } : { journal, timeMs: wallClock() }));
  };
  return { debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}

/** A logger that drops everything (tests, or before the real one is wired). */
export const silentLogger: Logger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} };
