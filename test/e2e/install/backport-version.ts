// The version suffix of HALF's keepalived backport as pkgs/backports.json defines it today
// (`+half<iteration>`), for the e2e tests that find the backport in a pool or in apt's output.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../helpers/half-repo-cli.js';

const entry = (JSON.parse(readFileSync(join(PROJECT_ROOT, 'pkgs', 'backports.json'), 'utf8')) as { keepalived: { iteration?: number } }).keepalived;

/** `+half2` for iteration 2 (the definition's default iteration is 1). */
export const KEEPALIVED_HALF_SUFFIX = `+half${entry.iteration ?? 1}`;

/** The same, escaped for a regular expression. */
export const KEEPALIVED_HALF_SUFFIX_RE = KEEPALIVED_HALF_SUFFIX.replace('+', '\\+');
