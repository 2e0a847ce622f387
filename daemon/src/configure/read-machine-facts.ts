// Gathers MachineFacts by running iproute2 (`ip -j addr show`, `ip -j route show default`,
// `ip -6 -j route show default`): the only I/O behind the defaults and the answer checks.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { ToolError } from '../../../repo-tool/src/model/errors.js';
import { parseDefaultGatewaysJson, parseDefaultRoutesJson, parseIpAddrJson, type FactsResult, type MachineFacts } from './machine-facts.js';

const exec = promisify(execFile);

/** Role: where the facts come from (tests read a namespace, or captured JSON). */
export interface FactsSource {
  read(): Promise<MachineFacts>;
}

export interface IpCommandOptions {
  /** The ip command before its arguments; default ['ip']. Tests prefix `ip netns exec NS`. */
  readonly command?: readonly string[];
}

function unwrap<T>(result: FactsResult<T>): T {
  if (!result.ok) throw new ToolError(result.message, { hint: 'half needs iproute2 with JSON output (ip -j), as in Debian 12 and later' });
  return result.value;
}

export class IpCommandFacts implements FactsSource {
  private readonly command: readonly string[];

  constructor(options: IpCommandOptions = {}) {
    this.command = options.command ?? ['ip'];
  }

  private async ip(args: readonly string[]): Promise<string> {
    const [file, ...prefix] = this.command;
    if (file === undefined) throw new ToolError('the ip command line is empty');
    try {
      const { stdout } = await exec(file, [...prefix, ...args], { maxBuffer: 64 * 1024 * 1024 });
      return stdout;
    } catch (error) {
      const e = error as NodeJS.ErrnoException & { stderr?: string };
      const why = e.code === 'ENOENT' ? `${file} is not installed` : (e.stderr?.trim() || e.message);
      throw new ToolError(`cannot read the machine's interfaces with "${[...this.command, ...args].join(' ')}": ${why}`, {
        hint: 'install iproute2 (apt-get install iproute2)',
        cause: error,
      });
    }
  }

  async read(): Promise<MachineFacts> {
    const [addr, route4, route6] = await Promise.all([
      this.ip(['-j', 'addr', 'show']),
      this.ip(['-j', 'route', 'show', 'default']),
      this.ip(['-6', '-j', 'route', 'show', 'default']),
    ]);
    const defaults = [...unwrap(parseDefaultRoutesJson(route4)), ...unwrap(parseDefaultRoutesJson(route6))];
    const gateways = [...unwrap(parseDefaultGatewaysJson(route4)), ...unwrap(parseDefaultGatewaysJson(route6))];
    return { interfaces: unwrap(parseIpAddrJson(addr)), defaultRouteInterfaces: [...new Set(defaults)], defaultGateways: gateways };
  }
}
