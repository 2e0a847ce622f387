// `npm run bench`: runs every benchmark script in bench/ (each *.ts next to this file except
// this one), one after the other, each in its own Node process as it would run alone
// (`node --import tsx bench/X.ts`; --expose-gc too, which some scripts use). Arguments select
// scripts by name: `npm run bench -- repo-build repo-publish`. A failing script does not stop
// the others; the exit status says whether all passed.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const self = basename(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !f.endsWith('.d.ts') && f !== self)
  .sort();
const wanted = process.argv.slice(2).map((a) => a.replace(/^bench\//, '').replace(/\.ts$/, ''));
const unknown = wanted.filter((w) => !available.includes(`${w}.ts`));
if (unknown.length > 0) {
  console.error(`unknown benchmark(s): ${unknown.join(', ')} (available: ${available.map((f) => f.slice(0, -3)).join(', ')})`);
  process.exit(2);
}
const scripts = wanted.length === 0 ? available : available.filter((f) => wanted.includes(f.slice(0, -3)));

const outcomes: { script: string; status: string; seconds: number }[] = [];
for (const script of scripts) {
  console.log(`\n=== bench/${script} ===\n`);
  const started = process.hrtime.bigint();
  const run = spawnSync(process.execPath, ['--expose-gc', '--import', 'tsx', join(here, script)], { stdio: 'inherit', cwd: dirname(here) });
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  const status = run.error !== undefined ? `could not start: ${run.error.message}` : run.signal !== null ? `killed by ${run.signal}` : run.status === 0 ? 'ok' : `failed (exit ${run.status})`;
  outcomes.push({ script, status, seconds });
}
console.log('\n=== summary ===');
for (const o of outcomes) console.log(`${o.script.padEnd(24)} ${o.status} (${o.seconds.toFixed(0)} s)`);
process.exitCode = outcomes.every((o) => o.status === 'ok') ? 0 : 1;
