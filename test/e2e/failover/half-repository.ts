// The repository the firewalls install HALF from: made by the real `half-repo build` from this
// checkout (test/e2e/install/repositories.ts: a development key in a temporary home, the
// keepalived backport from its cache) and served on 127.0.0.1 (test/helpers/http-server.ts).
import { serveDirectory } from '../../helpers/http-server.js';
import { halfRepository } from '../install/repositories.js';
import type { ServedRepository } from './half-node.js';

export interface BuiltRepository extends ServedRepository {
  /** Stops serving and removes the repository and its key. */
  close(): Promise<void>;
}

export class HalfRepoBuildError extends Error {
  override readonly name = 'HalfRepoBuildError';
}

export async function buildServedRepository(): Promise<BuiltRepository> {
  const repo = await halfRepository();
  try {
    const built = await repo.build();
    if (built.exitCode !== 0) throw new HalfRepoBuildError(`half-repo build failed (exit ${built.exitCode}):\n${built.stderr.trim().split('\n').slice(-20).join('\n')}`);
    const server = await serveDirectory(repo.out);
    return {
      url: server.url,
      keyring: repo.keyring,
      async close() {
        await server.close();
        await repo.cleanup();
      },
    };
  } catch (error) {
    await repo.cleanup();
    throw error;
  }
}
