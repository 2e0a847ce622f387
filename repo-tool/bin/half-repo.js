#!/usr/bin/env node
// half-repo entry point: runs the TypeScript sources through tsx, so `npx half-repo` always
// uses the checkout as it is (no build step between an edit and a run).
import { register } from 'tsx/esm/api';

register();
const { main } = await import('../src/cli/main.ts');
process.exitCode = await main(process.argv);
