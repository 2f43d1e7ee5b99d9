/**
 * Issue 17, Tier 2: `routine.setPlacement('pool')`. The owner merges the slot in its FIFO order
 * and sends the activation to the shared pool; a pool worker runs the handler with a remote
 * context whose emits, shared data, routine state, outputs and slot resets are buffered and
 * applied by the owner once per activation id. Here an owner-only worker and a pool-only
 * worker (each its own Flow instance), compared with in-process runs.
 */
import { expect } from 'chai';
import { ConfigurationError, ErrorHandler, Flow, Routine, registerErrorType, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster, type Cluster } from './helpers.js';
import { sleep, until } from '../fixtures/helpers.js';

class Throttled extends Error {
  override name = 'Throttled';
}
registerErrorType('Throttled', Throttled);

/** Which worker (flow instance) ran each activation of a pool routine. */
const ranOn: string[] = [];

class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['i']);
    this.defineSlot<{ n: number }>('trigger', (d) => {
      for (let i = 0; i < d.n; i++) this.emit('out', { i, at: new Date(1_000 + i) });
    });
  }
}

/** A pool routine: appends into its slot, resets it every 3 items, emits, writes state and outputs; throws Throttled at attempt 1 of item 4. */
class Enrich extends Routine {
  constructor(private readonly tag: string) {
    super();
    this.defineEvent('out', ['i', 'batch']);
    this.defineSlot(
      'in',
      async (d: Payload, ctx: ExecutionContext) => {
        ranOn.push(this.tag);
        await new Promise((resolve) => setTimeout(resolve, 2));
        const batch = (d.i as number[]).slice();
        const last = batch[batch.length - 1];
        if (last === 4 && ctx.attempt === 1) throw new Throttled('slow down');
        ctx.updateRoutineState({ last, attempt: ctx.attempt });
        ctx.setSharedData(`seen-${last}`, (d.at as Date[]).at(-1));
        this.sendOutput('enriched', { last });
        ctx.emit('out', { i: last, batch });
        if (batch.length === 3) ctx.resetSlot();
      },
      { mergeStrategy: 'append' },
    );
    this.setPlacement('pool');
    this.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 5, retryableErrors: [Throttled] }));
  }
}

/** An owner routine after the pool: sums what arrives. */
class Total extends Routine {
  constructor() {
    super();
    this.defineSlot<{ i: number }>('in', (d, ctx) => ctx.setSharedData('total', ctx.getSharedData<number>('total', 0) + d.i));
  }
}

function build(tag = 'local'): Flow {
  const flow = new Flow({ flowId: 'pool-spec' });
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(new Enrich(tag), 'enrich');
  flow.addRoutine(new Total(), 'total');
  flow.connect('src', 'out', 'enrich', 'in');
  flow.connect('enrich', 'out', 'total', 'in');
  return flow;
}

function comparable(state: JobState): unknown {
  return {
    status: state.status,
    sharedData: state.sharedData,
    routineStates: state.routineStates,
    slotData: state.slotData,
    history: state.executionHistory.map((r) => [r.routineId, r.eventName, r.eventName === 'error' ? (r.data as { errorName?: unknown }).errorName : r.data]),
    outputs: state.outputLog.map((o) => [o.routineId, o.outputType, o.data]),
  };
}

describe("Tier 2: routine.setPlacement('pool') runs handlers on the activation pool", function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  let instances = 0;
  before(async () => {
    // Owner-only workers (no pool share) and a pool-only one: every pool activation crosses processes' roles.
    cluster = await startCluster(redis, () => build(`owner-${++instances}`), 1, { pool: { concurrency: 0 } });
    await cluster.addWorker({ concurrency: 0, pool: { concurrency: 4 } });
    redis.atStop(() => cluster.close());
  });

  it('gives the in-process result: merges, resets, emits, state, shared data, outputs, retries under the owner’s policy', async () => {
    ranOn.length = 0;
    const local = await build().execute('src', { n: 8 }, { jobId: 'pool-1' });
    expect(local.status).to.equal('completed');
    const localRuns = ranOn.length;
    ranOn.length = 0;
    const remote = await build().start('src', { n: 8 }, { jobId: 'pool-1', runner: cluster.runner }).wait();
    expect(comparable(remote)).to.deep.equal(comparable(local));
    expect(remote.getSharedData('seen-7')).to.be.instanceOf(Date);
    expect(ranOn.length, 'one run per attempt, as in-process').to.equal(localRuns);
    expect(new Set(ranOn), 'every pool activation ran on the pool-only worker').to.deep.equal(new Set(['owner-2']));
    expect(remote.getRoutineState('enrich')).to.include({ errors: 1 });
    expect(cluster.errors.map(String)).to.deep.equal([]);
  });

  it('runs many jobs at once, each applying its results once', async () => {
    const jobs = Array.from({ length: 10 }, (_, k) => build().start('src', { n: 5 + k }, { runner: cluster.runner }));
    const finals = await Promise.all(jobs.map((j) => j.wait()));
    finals.forEach((f, k) => {
      const n = 5 + k;
      expect(f.status).to.equal('completed');
      expect(f.getSharedData('total'), `job ${k}`).to.equal((n * (n - 1)) / 2);
    });
  });

  it('aborts a running pool activation when its job is cancelled (signal reason CancelledError)', async () => {
    const reasons: string[] = [];
    const slowBuild = (): Flow => {
      const flow = new Flow({ flowId: 'pool-cancel' });
      flow.addRoutine(new Source(), 'src');
      const wait = new Routine();
      wait.defineSlot('in', (_d: Payload, ctx: ExecutionContext) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => (reasons.push((ctx.signal.reason as Error).name), resolve()))));
      wait.setPlacement('pool');
      flow.addRoutine(wait, 'wait');
      flow.connect('src', 'out', 'wait', 'in');
      return flow;
    };
    const slow = await startCluster(redis, slowBuild, 1, { pool: { concurrency: 2 } });
    try {
      const job = slowBuild().start('src', { n: 3 }, { runner: slow.runner });
      await until(() => job.state.status === 'running', 'running', 10_000);
      await sleep(200); // the first activation is on the pool by now
      expect((await job.cancel('enough')).status).to.equal('cancelled');
      await until(() => reasons.length > 0, 'the pool activation aborted', 5_000);
      expect(reasons).to.deep.equal(['CancelledError']);
    } finally {
      await slow.close();
    }
  });

  it('refuses pool placement for an operator routine, and a bad placement', () => {
    const op = Routine.fromOperator((source) => source);
    expect(() => op.setPlacement('pool')).to.throw(ConfigurationError, 'operator');
    expect(() => new Routine().setPlacement('elsewhere' as never)).to.throw(ConfigurationError, 'elsewhere');
    const r = new Routine();
    r.setPlacement('pool');
    expect(r.placement).to.equal('pool');
  });

  it('in-process flows run pool routines in place', async () => {
    const state = await build().execute('src', { n: 3 });
    expect(state.getSharedData('total')).to.equal(3);
  });
});
