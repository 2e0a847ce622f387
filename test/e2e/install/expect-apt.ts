// Assertions on apt runs in a test node: the command succeeded, and nothing it printed (on
// stdout or stderr, in the download step or the run itself) is a warning or an unexpected
// message (apt-output.ts).
import { expect } from 'vitest';
import type { RunResult } from '../../helpers/tools.js';
import { aptOutputProblems, formatProblems, type OutputExpectations } from './apt-output.js';
import type { AptRun } from './firewall-client.js';

const NOTHING_OURS: OutputExpectations = { ours: [], expected: {} };

function output(result: RunResult): string {
  return `$ ${result.command}\n${result.stdout}\n--- stderr\n${result.stderr}`;
}

/** Exit code 0 and no unexpected line. */
export function expectCleanRun(result: RunResult, expectations: OutputExpectations = NOTHING_OURS): void {
  expect(result.exitCode, output(result)).toBe(0);
  expect(formatProblems(aptOutputProblems(result, expectations)), output(result)).toBe('');
}

/** Both steps of an AptRun (download on the host's network, then the run in the node). */
export function expectCleanApt(run: AptRun, expectations: OutputExpectations): void {
  if (run.fetch !== undefined) expectCleanRun(run.fetch);
  expectCleanRun(run.run, expectations);
}

/** The lines a package's scripts printed, in order (for checking that a message did appear). */
export function scriptLines(result: RunResult, name: string): string[] {
  const lines: string[] = [];
  let current: string | undefined;
  for (const line of result.stdout.split('\n')) {
    const announced = /^(?:Setting up|Removing|Purging configuration files for|Unpacking) (\S+?)(?::\S+)? \(/.exec(line);
    if (announced !== null) current = announced[1];
    else if (/^(Selecting previously|Preparing to unpack|Processing triggers|\(Reading database)/.test(line)) current = undefined;
    else if (current === name && line.trim() !== '') lines.push(line.replace(/\s+$/, ''));
  }
  return lines;
}
