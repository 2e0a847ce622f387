// The command line's own errors, as commander reports them through main.ts: an unknown option
// is named first, even when a required option is missing too.
import { describe, expect, it } from 'vitest';
import { halfRepo } from '../../helpers/half-repo-cli.js';

describe('half-repo command line', () => {
  it('names an unknown option before a missing required one (exit 2)', async () => {
    const result = await halfRepo(['keygen', '--expires']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: unknown option '--expires'/);
    expect(result.stderr).not.toMatch(/--private-key <file>' not specified/);
  });

  it('still refuses a missing required option, with the message commander gives (exit 2)', async () => {
    const result = await halfRepo(['keygen', '--type', 'ed25519']);
    expect(result.exitCode).toBe(2);
    expect(result.stderr).toMatch(/^error: required option '--private-key <file>' not specified/);
    expect(result.stderr).toMatch(/Usage: half-repo keygen/);
  });
});
