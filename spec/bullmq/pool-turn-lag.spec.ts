/**
 * Issue 17 (dist_chain10): an owner's checkpoint after a turn that only applied pool results
 * and sent pool activations, one awaited at a time, waits (at most `poolTurnLag` ms): a new
 * owner rebuilds such turns exactly from the job's inbox. What decides it, how long the stored
 * state may lag, and a crash inside a pool step with such turns unsaved: the job completes as
 * uninterrupted, the pool steps whose results were in the inbox do not run again.
 */
import { expect } from 'chai';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ConfigurationError } from '../../lib/index.js';
import { RedisJobStore, runWorker } from '../../lib/bullmq/index.js';
import { PoolTurnLag, type LagSources } from '../../lib/bullmq/pool-turn-lag.js';
import { LateHost } from '../../lib/bullmq/late-host.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import type { JobState } from '../../lib/state/job-state.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';
import { buildPoolChain } from '../fixtures/bullmq-pool-chain.js';
import { startCluster } from './helpers.js';
import { crashRun } from './crash-run.js';
import { Concurrently } from '../helpers/concurrently.js';

const CHILD = fileURLToPath(new URL('../fixtures/bullmq-chain-child.ts', import.meta.url));

/** A runtime as PoolTurnLag reads it: its routine runs (placement, activations, in flight) and the activation timeout. */
function fakeRuntime(runs: Array<{ pool: boolean; activations: number; inFlight: number; flush?: boolean }>, timeout?: number): JobRuntime {
  let first: unknown;
  for (const r of [...runs].reverse()) {
    first = { routine: { _placement: r.pool ? 'pool' : 'owner', _flushSlot: r.flush ? {} : undefined }, activations: r.activations, inFlight: r.inFlight, nextRun: first };
  }
  return { firstRun: first, owner: { activationTimeout: timeout }, lateWrites: 0 } as unknown as JobRuntime;
}

/** What PoolTurnLag reads of the owned job besides its runtime (weighty results, watchers: none unless told). */
function sources(more: { weighty?: () => number; watched?: () => boolean; applied?: () => number } = {}): LagSources {
  return { job: fakeRuntime([]), weighty: more.weighty ?? (() => 0), watched: more.watched ?? (() => false), applied: more.applied ?? (() => 0) };
}

function lines(dir: string): Array<{ jobId: string; step: number; activationId: string }> {
  const file = join(dir, 'pool.log');
  if (!existsSync(file)) return [];
  return readFileSync(file, 'utf8')
    .split('\n')
    .filter(Boolean)
    .map((l) => {
      const [jobId, step, activationId] = l.split('\t');
      return { jobId, step: Number(step), activationId };
    });
}

describe('routilux/bullmq: pool-only turns wait for their checkpoint (poolTurnLag)', function () {
  this.timeout(60_000);

  describe('what decides it', () => {
    const late = (): void => undefined;

    it('waits only after a save asked for, with no owner-side activation started or running since, at most one pool activation in flight, and no activation timeout', () => {
      const lag = new PoolTurnLag(10_000, sources());
      const rt = fakeRuntime([{ pool: false, activations: 1, inFlight: 0 }, { pool: true, activations: 3, inFlight: 1 }]);
      expect(lag.canWait(rt, late), 'no save asked for yet').to.equal(false);
      lag.mark(rt);
      expect(lag.canWait(rt, late), 'only pool work since').to.equal(true);
      expect(lag.canWait(fakeRuntime([{ pool: false, activations: 1, inFlight: 0 }, { pool: true, activations: 9, inFlight: 1 }]), late), 'more pool activations').to.equal(true);
      expect(lag.canWait(fakeRuntime([{ pool: false, activations: 2, inFlight: 0 }, { pool: true, activations: 3, inFlight: 1 }]), late), 'an owner-side activation ran since').to.equal(false);
      expect(lag.canWait(fakeRuntime([{ pool: false, activations: 1, inFlight: 1 }, { pool: true, activations: 3, inFlight: 1 }]), late), 'one runs now').to.equal(false);
      expect(lag.canWait(fakeRuntime([{ pool: false, activations: 1, inFlight: 0 }, { pool: true, activations: 3, inFlight: 0, flush: true }]), late), 'a pool routine with a flush slot counts as the owner').to.equal(false);
      expect(lag.canWait(fakeRuntime([{ pool: false, activations: 1, inFlight: 0 }, { pool: true, activations: 3, inFlight: 1 }], 5_000), late), 'an activation timeout').to.equal(false);
      const two = fakeRuntime([{ pool: false, activations: 1, inFlight: 0 }, { pool: true, activations: 3, inFlight: 1 }, { pool: true, activations: 1, inFlight: 1 }]);
      expect(lag.canWait(two, late), 'two pool activations in flight: the order of their results is not replayable').to.equal(false);
      lag.mark(two);
      expect(lag.canWait(rt, late), 'two were in flight at the save asked for').to.equal(false);
      lag.mark(fakeRuntime([{ pool: false, activations: 1, inFlight: 1 }]));
      expect(lag.canWait(fakeRuntime([{ pool: false, activations: 1, inFlight: 0 }]), late), 'an owner-side activation ran at the save asked for').to.equal(false);
      lag.dispose();
    });

    it('counts a pool activation whose result is applied but that has not ended as no longer outstanding (the dispatcher started the next one first)', () => {
      let applied = 0;
      const lag = new PoolTurnLag(10_000, sources({ applied: () => applied }));
      const two = fakeRuntime([{ pool: true, activations: 3, inFlight: 1 }, { pool: true, activations: 1, inFlight: 1 }]);
      lag.mark(fakeRuntime([{ pool: true, activations: 3, inFlight: 1 }]));
      expect(lag.canWait(two, late), 'two in flight, both results to come').to.equal(false);
      applied = 1;
      expect(lag.canWait(two, late), 'one of them applied, ending').to.equal(true);
      lag.dispose();
    });

    it('does not wait after late work, a pool result that did more than emit, or while a client watches the job', () => {
      let weighty = 0;
      let watched = false;
      const lag = new PoolTurnLag(10_000, sources({ weighty: () => weighty, watched: () => watched }));
      const rt = fakeRuntime([{ pool: true, activations: 3, inFlight: 1 }]);
      lag.mark(rt);
      expect(lag.canWait(rt, late), 'only emitting pool results since').to.equal(true);
      (rt as { lateWrites: number }).lateWrites++;
      expect(lag.canWait(rt, late), 'an ended activation wrote (a timer), or an operator emitted').to.equal(false);
      lag.mark(rt);
      expect(lag.canWait(rt, late), 'saved with it').to.equal(true);
      weighty++;
      expect(lag.canWait(rt, late), 'a result set shared data, routine state or an output, or failed').to.equal(false);
      lag.mark(rt);
      watched = true;
      expect(lag.canWait(rt, late), 'a client watches its emissions or outputs').to.equal(false);
      lag.dispose();
    });

    it('a save given up is no save to wait behind: turns waiting are told at once, and none waits until the next save asked for', async () => {
      const lag = new PoolTurnLag(10_000, sources());
      const rt = fakeRuntime([{ pool: true, activations: 3, inFlight: 1 }]);
      let told = 0;
      lag.mark(rt);
      expect(lag.canWait(rt, () => told++)).to.equal(true);
      lag.forget();
      await sleep(0);
      expect(told, 'told at once').to.equal(1);
      expect(lag.canWait(rt, () => told++), 'no save to wait behind').to.equal(false);
      lag.mark(rt);
      expect(lag.canWait(rt, () => told++)).to.equal(true);
      lag.dispose();
    });

    it('starts counting the job’s late writes when made (before any of its activations ends)', () => {
      const job = fakeRuntime([]);
      new PoolTurnLag(1_000, { ...sources(), job }).dispose();
      expect(job.lateHost).to.be.instanceOf(LateHost);
    });

    it('waits at most the lag after the save asked for, then tells the owner once', async () => {
      const rt = fakeRuntime([{ pool: true, activations: 1, inFlight: 1 }]);
      const lag = new PoolTurnLag(60, sources());
      let told = 0;
      lag.mark(rt);
      expect(lag.canWait(rt, () => told++)).to.equal(true);
      expect(lag.canWait(rt, () => told++), 'one timer').to.equal(true);
      await sleep(150);
      expect(told).to.equal(1);
      expect(lag.canWait(rt, () => told++), 'the lag ran out').to.equal(false);
      lag.mark(rt);
      expect(lag.canWait(rt, () => told++)).to.equal(true);
      lag.mark(rt); // a save asked for before the lag ran out: no late call for the earlier wait
      lag.dispose();
      await sleep(150);
      expect(told).to.equal(1);
    });
  });

  describe('in workers', () => {
    const redis = useRedis();
    const runs = new Concurrently();
    const dirs: string[] = [];
    before(() => runs.startAll());
    after(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })));
    let dir: string;
    beforeEach(() => (dir = mkdtempSync(join(tmpdir(), 'routilux-pool-lag-'))));
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('rejects a poolTurnLag that is not an integer from 0 to 2^31 - 1 (what a timer holds)', async () => {
      for (const poolTurnLag of [-1, 1.5, Number.NaN, 2 ** 31]) {
        const error = await runWorker(buildPoolChain(dir, { steps: 1 }), { connection: redis.connection, poolTurnLag }).catch((e: unknown) => e);
        expect(error, String(poolTurnLag)).to.be.instanceOf(ConfigurationError);
        expect(String((error as Error).message)).to.include('poolTurnLag');
      }
    });

    /** Store writes (saves and journal appends) of the workers while one 8-step chain runs. */
    async function writesOfOneChain(poolTurnLag: number | undefined): Promise<{ writes: number; v: unknown }> {
      const cluster = await startCluster(redis, () => buildPoolChain(dir, { steps: 8 }), 1, poolTurnLag === undefined ? {} : { poolTurnLag });
      const proto = RedisJobStore.prototype as unknown as Record<'saveWith' | 'appendJournal', (...args: unknown[]) => unknown>;
      const [save, append] = [proto.saveWith, proto.appendJournal];
      let writes = 0;
      proto.saveWith = function (this: unknown, ...args: unknown[]) {
        writes++;
        return save.apply(this, args);
      };
      proto.appendJournal = function (this: unknown, ...args: unknown[]) {
        writes++;
        return append.apply(this, args);
      };
      try {
        const state = await buildPoolChain(dir, { steps: 8 }).start('src', {}, { runner: cluster.runner }).wait({ timeout: 20_000 });
        expect(state.status).to.equal('completed');
        expect(cluster.errors).to.deep.equal([]);
        return { writes, v: state.getSharedData('v') };
      } finally {
        [proto.saveWith, proto.appendJournal] = [save, append];
        await cluster.close();
      }
    }

    it('a pool-only chain is checkpointed a few times with poolTurnLag 1,000, not once per hop (as by default, poolTurnLag 0)', async () => {
      const lagged = await writesOfOneChain(1_000);
      const every = await writesOfOneChain(undefined);
      expect(lagged.v).to.equal(8);
      expect(every.v).to.equal(8);
      expect(every.writes, 'by default: a write per hop').to.be.at.least(8);
      expect(lagged.writes, `poolTurnLag 1,000: ${lagged.writes} writes against ${every.writes}`).to.be.at.most(4);
    });

    it('the stored state lags at most about poolTurnLag: a waiting turn is saved when the lag runs out', async () => {
      const build = () => buildPoolChain(dir, { steps: 2, slow: { step: 2, ms: 2_000 } });
      const cluster = await startCluster(redis, build, 1, { poolTurnLag: 200 });
      const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
      try {
        const job = build().start('src', {}, { runner: cluster.runner, jobId: 'lagging' });
        await until(() => lines(dir).some((l) => l.step === 1), 'step 1 ran', 10_000);
        // s1's result is applied, s2 runs for 2 s: the turn that applied s1 waited, and is saved ~200 ms later.
        const since = Date.now();
        while ((await store.load('lagging'))?.getRoutineState('s1')?.status !== 'completed') {
          if (Date.now() - since > 1_800) expect.fail('s1 is not completed in the stored state after 1.8 s');
          await sleep(20);
        }
        expect(lines(dir).some((l) => l.step === 2), 'before step 2 ended').to.equal(false);
        expect((await job.wait({ timeout: 20_000 })).getSharedData('v')).to.equal(2);
      } finally {
        await store.close();
        await cluster.close();
      }
    });

    // The crash run starts with the file's other tests (it mostly waits for BullMQ's stall recovery).
    const crashed = runs.add(async () => {
      let stored: JobState | undefined;
      const run = await crashRun({
        redis,
        dirs,
        child: CHILD,
        args: (die) => ['6', ...(die ? ['4'] : [])],
        start: (d, runner) => buildPoolChain(d, { steps: 6 }).start('src', {}, { runner, jobId: 'chain:1' }),
        // What the owner had saved when it died (in step 4).
        afterDeath: async (_job, { prefix }) => {
          const store = new RedisJobStore({ connection: redis.connection, prefix });
          try {
            stored = await store.load('chain:1');
          } finally {
            await store.close();
          }
        },
      });
      return { ...run, stored };
    });

    it('a crash inside a pool step, the turns before it unsaved: the job completes as uninterrupted, and only that step runs again', async () => {
      const { final, dir: runDir, stderr, stored } = await crashed();
      expect(stored?.getRoutineState('s2')?.status, 'the turn that applied s2 was not saved').to.not.equal('completed');
      expect(final.getSharedData('v'), 'as uninterrupted').to.equal(6);
      const log = lines(runDir).filter((l) => l.jobId === 'chain:1');
      const runsPerStep = [1, 2, 3, 4, 5, 6].map((step) => log.filter((l) => l.step === step));
      expect(runsPerStep.map((r) => r.length), 'runs per step: only step 4, in flight at the crash, ran again').to.deep.equal([1, 1, 1, 2, 1, 1]);
      expect(new Set(runsPerStep[3].map((l) => l.activationId)).size, 'the same activation').to.equal(1);
      expect(stderr.match(/Error(?!: connect)/g) ?? [], stderr).to.deep.equal([]);
    });
  });
});
