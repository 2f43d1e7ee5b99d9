// The distributed specs (spec/bullmq: routilux/bullmq against real redis-server processes), run
// by `npm test` after the in-process specs (.mocharc.cjs). They mostly wait, for BullMQ's stall
// recovery, lock expiry and close deadlines, so their files run side by side in mocha's
// parallel mode: about a minute instead of two (issue 17 wants them under 60 s). Each file
// starts its own redis-server (spec/helpers/use-redis.ts), so files share nothing.
//
// Mocha hands files to its workers in the order listed: the longest go first, so that none of
// them starts last and ends the run alone (durations from `--reporter json`, run one by one).
const { readdirSync } = require('node:fs');

const DIR = 'spec/bullmq';
const LONGEST_FIRST = [
  'crashes.spec.ts', // the kill soak and the crash reviews: ~27 s, and most of the CPU
  'review-s22a.spec.ts', // ~20 s: stall recoveries after lost fetches
  'review-s14b.spec.ts',
  'review-s14a.spec.ts',
  'worker-close-timeout.spec.ts',
  'review-s13a.spec.ts',
  'review-s14c.spec.ts',
  'example.spec.ts',
  'pool-turn-lag.spec.ts',
  'review-s11d.spec.ts',
  'runner.spec.ts',
];
const rest = readdirSync(DIR)
  .filter((f) => f.endsWith('.spec.ts') && !LONGEST_FIRST.includes(f))
  .sort();

module.exports = {
  import: 'tsx',
  // Root hooks (the prototype guard) as a plugin: parallel mode ignores hooks declared at a spec file's top level.
  require: ['spec/root-hooks.ts'],
  spec: [...LONGEST_FIRST, ...rest].map((f) => `${DIR}/${f}`),
  parallel: true,
  // Two cores: four workers keep both busy while most of them wait on timers and Redis (three
  // took about as long, five or six longer: the CPU is the limit once files overlap).
  jobs: 4,
  timeout: 20000,
};
