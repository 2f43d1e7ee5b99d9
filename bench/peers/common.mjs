// Shared by the peer workloads: argument parsing, timing, the exactly-once tally and the line.
import { createRequire } from 'node:module';
import { readFileSync } from 'node:fs';

export function numberArg(name, fallback) {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
}

/** The installed version of a peer package (from its package.json). */
export function versionOf(pkg) {
  const require = createRequire(import.meta.url);
  let dir = require.resolve(pkg);
  for (;;) {
    const up = dir.slice(0, dir.lastIndexOf('/'));
    if (up === dir || up === '') return 'unknown';
    dir = up;
    try {
      const json = JSON.parse(readFileSync(`${dir}/package.json`, 'utf8'));
      if (json.name === pkg) return json.version;
    } catch {
      // not a package root: go up
    }
  }
}

/** Every value 0..n-1 must arrive once, as value + offset, in order (the same check as bench/lib/tally.ts). */
export class Tally {
  constructor(n, offset) {
    this.n = n;
    this.offset = offset;
    this.seen = new Uint8Array(n);
    this.count = 0;
    this.outOfOrder = 0;
    this.last = -1;
    this.bad = 0;
  }
  add(v) {
    const i = v - this.offset;
    if (!(i >= 0 && i < this.n) || this.seen[i]) return void this.bad++;
    this.seen[i] = 1;
    this.count++;
    if (i < this.last) this.outOfOrder++;
    this.last = i;
  }
  problems() {
    const p = [];
    if (this.count !== this.n) p.push(`sink got ${this.count} of ${this.n} values`);
    if (this.bad > 0) p.push(`sink got ${this.bad} unexpected or repeated values`);
    return p;
  }
}

/** Median of the measured runs after one warm-up; `once(n)` runs the workload and returns its problems. */
export async function measure(once, n, runs) {
  await once(Math.min(n, 200));
  const ms = [];
  const errors = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    errors.push(...(await once(n)));
    ms.push(performance.now() - t0);
  }
  ms.sort((a, b) => a - b);
  return { ms: ms[Math.floor(ms.length / 2)], runs: ms, errors };
}

export function report(line) {
  process.stdout.write(`${JSON.stringify({ ...line, peak_rss_mb: Math.round(process.memoryUsage().rss / 1e5) / 10 })}\n`);
}
