// Where the checkout is: the folder holding this tool's package.json (so `npx half-repo` works
// from any working directory inside or outside the checkout).
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const PROJECT_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
