// half-repo verify DIR: checks signatures and every hash as apt would; names each problem.
import { readFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UsageError, VerifyError } from '../../model/errors.js';
import { formatProblems } from '../../verify/problem.js';
import { verifyRepository } from '../../verify/verify.js';

export function registerVerify(program: Command): void {
  program
    .command('verify')
    .description('check a published repository the way apt will: signatures, Release, indexes, pool files')
    .argument('[dir]', 'repository directory', 'public')
    .option('--keyring <file>', 'trusted keys (binary .gpg or armored .asc); default DIR/half-archive-keyring.gpg')
    .action(async (dir: string, flags: { keyring?: string }) => {
      const root = resolve(dir);
      const keyringPath = flags.keyring ?? join(root, 'half-archive-keyring.gpg');
      let keyring: Uint8Array;
      try {
        keyring = new Uint8Array(await readFile(keyringPath));
      } catch (cause) {
        throw new UsageError(`cannot read the keyring ${keyringPath}`, { cause, hint: 'pass --keyring FILE with the archive public key' });
      }
      const problems = await verifyRepository(root, keyring, new Date());
      if (problems.length > 0) {
        throw new VerifyError(`${root}: ${problems.length} problem${problems.length === 1 ? '' : 's'}:\n${formatProblems(problems)}`, problems.map((p) => `${p.path}: ${p.message}`), {
          hint: 'republish with half-repo build (or import) to regenerate the indexes',
        });
      }
      process.stdout.write(`${root}: OK (signatures, Release, indexes and pool files verified)\n`);
    });
}
