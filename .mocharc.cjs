// The in-process specs (everything but spec/bullmq, which .mocharc.distributed.cjs runs after
// them). Most of their time is a few files that wait on child processes: fsynced checkpoints of
// a 10,000-job soak, SIGKILLed children, the CLI bin, tsc, typedoc and a browser. Run one after
// the other they left a core idle for minutes, so the files run side by side in mocha's parallel
// mode, two at a time (two cores; three made the CPU-bound children slow enough to time out).
//
// Mocha hands files to its workers in the order listed: the longest go first, so that none of
// them starts last and ends the run alone (durations from `--reporter json`, run one by one).
const { readdirSync } = require('node:fs');

const LONGEST_FIRST = [
  'spec/faults/store-soak.spec.ts', // ~35 s, mostly fsync
  'spec/cli/cli.spec.ts', // ~40 s: about 60 runs of the bin
  'spec/persistence/crash-soak.spec.ts',
  'spec/typecheck.spec.ts',
  'spec/package/docs.spec.ts',
  'spec/persistence/leases.spec.ts',
  'spec/package/consumer.spec.ts',
  'spec/readme.spec.ts',
  'spec/persistence/crash.spec.ts',
  'spec/review/review-s16g.spec.ts',
  'spec/examples.spec.ts',
  'spec/package/pack.spec.ts',
  'spec/inspector/browser.spec.ts',
  'spec/package/browser.spec.ts',
];

/** Every `*.spec.ts` under `dir` (recursively), sorted, as paths from the repository root. */
const specsUnder = (dir) =>
  readdirSync(dir, { recursive: true })
    .filter((f) => f.endsWith('.spec.ts'))
    .map((f) => `${dir}/${f}`)
    .sort();

const rest = [...specsUnder('spec'), ...specsUnder('examples')].filter((f) => !f.startsWith('spec/bullmq/') && !f.startsWith('spec/package/fixtures/') && !LONGEST_FIRST.includes(f));

module.exports = {
  import: 'tsx',
  // Root hooks (the prototype guard) as a plugin: parallel mode ignores hooks declared at a spec file's top level.
  require: ['spec/root-hooks.ts'],
  spec: [...LONGEST_FIRST, ...rest],
  parallel: true,
  jobs: 2,
  timeout: 20000,
};
