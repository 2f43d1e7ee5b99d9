/**
 * Profiles one workload run with V8's CPU profiler and prints the top self-time functions
 * mapped to TypeScript file:line. Profiles land in bench/profiles/<name>/ (not committed).
 *
 *   npx tsx bench/profile.ts chain10 --n 1000000
 *   npx tsx bench/profile.ts fanout
 *   npx tsx bench/profile.ts emit_in_flow
 *   npx tsx bench/profile.ts chain10 --n 1000000 --no-inline   # V8 inlining off: self time lands
 *                                                              # in the function that owns it
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { format, summarize } from './lib/cpuprofile.js';

const FILES: Record<string, string> = {
  chain10: 'chain10.ts',
  rx_chain10: 'rx-chain10.ts',
  fanout: 'fanout.ts',
  fanin_append: 'fanin-append.ts',
  fifo_floor: 'fifo-floor.ts',
  io_concurrent: 'io-concurrent.ts',
  serialize: 'serialize.ts',
  emit_overhead: 'emit-overhead.ts',
  emit_in_flow: 'emit-in-flow.ts',
  checkpoint: 'checkpoint.ts',
  many_jobs: 'many-jobs.ts',
  marble: 'marble.ts',
  join_pairs: 'join-pairs.ts',
  batch_100: 'batch-100.ts',
  otel_overhead: 'otel-overhead.ts',
  inspect_overhead: 'inspect-overhead.ts',
  validation_overhead: 'validation-overhead.ts',
  dist_jobs: 'dist-jobs.ts',
  dist_chain10: 'dist-chain10.ts',
};

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);
const [name, ...rest] = process.argv.slice(2);
const file = FILES[name ?? ''];
if (file === undefined) {
  process.stderr.write(`usage: tsx bench/profile.ts <${Object.keys(FILES).join('|')}> [workload args] [--top 15]\n`);
  process.exit(2);
}
const topIndex = rest.indexOf('--top');
const top = topIndex >= 0 ? Number(rest[topIndex + 1]) : 15;
const noInline = rest.includes('--no-inline');
const workloadArgs = (topIndex >= 0 ? rest.filter((_, i) => i !== topIndex && i !== topIndex + 1) : rest).filter((a) => a !== '--no-inline');
if (!workloadArgs.includes('--runs')) workloadArgs.push('--runs', '1');

const dir = join(here, 'profiles', noInline ? `${name}-no-inline` : name);
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const maps = join(dir, 'sourcemaps.json');
const result = spawnSync(
  process.execPath,
  [
    '--expose-gc',
    ...(noInline ? ['--no-turbo-inlining'] : []),
    '--cpu-prof',
    `--cpu-prof-dir=${dir}`,
    '--import',
    'tsx',
    '--import',
    pathToFileURL(join(here, 'lib', 'sourcemaps.ts')).href,
    join(here, 'workloads', file),
    ...workloadArgs,
  ],
  { cwd: root, stdio: ['ignore', 'inherit', 'inherit'], env: { ...process.env, ROUTILUX_SOURCEMAP_OUT: maps } },
);
if (result.status !== 0) process.exitCode = 1;
const profile = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
if (profile === undefined) {
  process.stderr.write(`no .cpuprofile written in ${dir}\n`);
  process.exit(1);
}
process.stdout.write(`\n${name} ${workloadArgs.join(' ')}${noInline ? ' (--no-turbo-inlining)' : ''}: ${join(dir, profile)}\n${format(summarize(join(dir, profile), maps), top)}\n`);
