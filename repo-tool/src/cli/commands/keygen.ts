// half-repo keygen: a new archive signing key. The private key goes outside the checkout (0600);
// keys/ receives the public key only, binary (.gpg) and armored (.asc).
import { join } from 'node:path';
import type { Command } from 'commander';
import { UsageError } from '../../model/errors.js';
import { generateSigningKey } from '../../sign/key-generate.js';
import type { SigningKeyType } from '../../sign/key-generate.js';
import { writePrivateKeyFile } from '../../sign/key-files.js';
import { publicKeyringOf, writePublicKeyring } from '../../sign/public-keyring.js';
import { PROJECT_ROOT } from '../root.js';

interface KeygenFlags {
  name: string;
  email: string;
  type: string;
  privateKey?: string;
  keysDir: string;
}

export function registerKeygen(program: Command): void {
  program
    .command('keygen')
    .description('make a signing key (v4 Ed25519 or RSA 4096) that gpgv and sqv accept')
    .option('--name <name>', 'user ID name', 'HALF archive signing key')
    .option('--email <address>', 'user ID e-mail', 'half-archive@example.org')
    .option('--type <type>', 'ed25519 or rsa4096', 'ed25519')
    .requiredOption('--private-key <file>', 'where to write the PRIVATE key (outside the checkout; never committed)')
    .option('--keys-dir <dir>', 'where to write the public key (.gpg and .asc)', join(PROJECT_ROOT, 'keys'))
    .action(async (flags: KeygenFlags) => {
      if (flags.type !== 'ed25519' && flags.type !== 'rsa4096') {
        throw new UsageError(`--type ${flags.type} is neither ed25519 nor rsa4096`, { hint: 'ed25519 is the default and what Debian 13 prefers' });
      }
      const key = await generateSigningKey({ name: flags.name, email: flags.email, date: new Date(), type: flags.type as SigningKeyType });
      await writePrivateKeyFile(flags.privateKey as string, key.privateArmored, { sourceRoot: PROJECT_ROOT });
      const name = `half-archive-${key.fingerprint.slice(-16)}`;
      const paths = await writePublicKeyring(flags.keysDir, name, publicKeyringOf([key.publicBinary]));
      process.stdout.write(
        [
          `fingerprint ${key.fingerprint}`,
          `private key ${flags.privateKey} (mode 0600: keep it safe, never commit it)`,
          `public key  ${paths.gpg}`,
          `            ${paths.asc}`,
          `sign with:  half-repo build --key ${flags.privateKey}   (or HALF_SIGNING_KEY_FILE=${flags.privateKey})`,
          '',
        ].join('\n'),
      );
    });
}
