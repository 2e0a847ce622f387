// A Logger that keeps its lines ("level message {fields}") for tests to read.
import type { LogFields, Logger } from '../../../daemon/src/metrics/logger.js';

export function recordingLogger(): Logger & { lines: string[] } {
  const lines: string[] = [];
  const log = (level: string) => (message: string, fields?: LogFields) => void lines.push(`${level} ${message} ${JSON.stringify(fields ?? {})}`);
  return { lines, debug: log('debug'), info: log('info'), warn: log('warn'), error: log('error') };
}
