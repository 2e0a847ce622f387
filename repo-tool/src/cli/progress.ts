// Progress output for long work: a redrawn bar on a terminal, plain lines otherwise (CI logs,
// pipes). Messages go to stderr so stdout stays parseable (`list --json`).

export interface Progress {
  /** A phase with a known number of steps. */
  start(label: string, total: number): void;
  tick(detail?: string): void;
  done(summary?: string): void;
  /** A line of information outside any bar. */
  info(line: string): void;
  /** A loud warning (development key, …). */
  warn(line: string): void;
}

export function createProgress(stream: NodeJS.WriteStream = process.stderr): Progress {
  return stream.isTTY === true ? new BarProgress(stream) : new LineProgress(stream);
}

class LineProgress implements Progress {
  private label = '';
  private total = 0;
  private count = 0;
  private lastPercent = -1;
  constructor(private readonly out: NodeJS.WritableStream) {}
  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.count = 0;
    this.lastPercent = -1;
    this.out.write(`${label}: ${total} to do\n`);
  }
  tick(): void {
    this.count++;
    if (this.total < 20) return;
    const percent = Math.floor((this.count * 100) / this.total / 25) * 25;
    if (percent > this.lastPercent && percent < 100) {
      this.lastPercent = percent;
      this.out.write(`${this.label}: ${this.count}/${this.total}\n`);
    }
  }
  done(summary?: string): void {
    this.out.write(`${this.label}: done${summary === undefined ? '' : ` (${summary})`}\n`);
  }
  info(line: string): void {
    this.out.write(`${line}\n`);
  }
  warn(line: string): void {
    this.out.write(`WARNING: ${line}\n`);
  }
}

class BarProgress implements Progress {
  private label = '';
  private total = 0;
  private count = 0;
  constructor(private readonly out: NodeJS.WriteStream) {}
  start(label: string, total: number): void {
    this.label = label;
    this.total = total;
    this.count = 0;
    this.draw('');
  }
  tick(detail = ''): void {
    this.count++;
    this.draw(detail);
  }
  done(summary?: string): void {
    this.out.write(`\r\x1b[2K${this.label}: done${summary === undefined ? '' : ` (${summary})`}\n`);
  }
  info(line: string): void {
    this.out.write(`\r\x1b[2K${line}\n`);
  }
  warn(line: string): void {
    this.out.write(`\r\x1b[2K\x1b[1;33mWARNING:\x1b[0m ${line}\n`);
  }
  private draw(detail: string): void {
    const width = 30;
    const filled = this.total === 0 ? width : Math.round((this.count / this.total) * width);
    const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
    const columns = this.out.columns ?? 80;
    const line = `${this.label} [${bar}] ${this.count}/${this.total} ${detail}`;
    this.out.write(`\r\x1b[2K${line.slice(0, columns - 1)}`);
  }
}

/** For tests and `--quiet`. */
export const silentProgress: Progress = {
  start() {},
  tick() {},
  done() {},
  info() {},
  warn() {},
};
