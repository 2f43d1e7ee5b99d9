/**
 * Adversarial review s16a of a2728fe (a pool activation ends in the same synchronous step as its
 * result is applied, checkpoint moments of its job held meanwhile) and 5fbdced (a failure's
 * abort word to the pool waits for the failure to be stored).
 *
 * In-process, as spec/review/review-s15b.spec.ts: the real pool executor (poolExecutor,
 * PoolResults) and a hand-made pool, no Redis; a checkpoint moment is a call of the flow's
 * checkpoint tap, where an owner snapshots the job. The finding of this review needs a worker
 * and Redis: spec/bullmq/review-s16a.spec.ts (FINDING 1). Here, only pins: what was checked and
 * holds on the reviewed tree.
 */
import { expect } from 'chai';
import { ErrorHandler, Flow, Routine, type Job } from '../../lib/index.js';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { holdCheckpoints, setCheckpointTap } from '../../lib/runtime/checkpoint-tap.js';
import type { JobState } from '../../lib/state/job-state.js';
import { fakePool, poolResult, srcPoolK, until } from '../helpers/fake-pool.js';

/** src (owner) → p (pool) → k (owner: appends v to shared data `got`), and p's event `later` → k too; `setup` may change p. */
function build(flowId: string, setup?: (p: Routine) => void, options: { maxWorkers?: number } = {}): Flow {
  const flow = srcPoolK(flowId, (p) => (p.defineEvent('later', ['v']), setup?.(p)), options);
  flow.connect('p', 'later', 'k', 'in');
  return flow;
}

/** p listed to run (attempt `attempt`, any when undefined). */
const pListed = (s: JobState, attempt?: number): boolean => [...s.runningTasks, ...s.pendingTasks].some((t) => t.routineId === 'p' && (attempt === undefined || t.attempt === attempt));
/** Something of p's (first) result is in the job: k's task, k's write, or the deferred event. */
const pApplied = (s: JobState): boolean =>
  [...s.runningTasks, ...s.pendingTasks].some((t) => t.routineId === 'k') || s.sharedData.got !== undefined || (s.deferredEvents?.length ?? 0) > 0;

/** Starts src → p live with a tap that snapshots every moment; returns once p was sent. */
async function live(flow: Flow, jobId: string): Promise<{ job: Job; results: PoolResults; sent: string[]; told: string[]; moments: JobState[] }> {
  const results = new PoolResults();
  const { sent, told } = fakePool(flow, results);
  const moments: JobState[] = [];
  setCheckpointTap(flow, (rt) => moments.push(rt.snapshot()));
  const job = flow.start('src', {}, { jobId });
  await until(() => sent.length > 0, 'p was sent');
  return { job, results, sent, told, moments };
}

describe('review s16a: pool results applied and ended in one step, checkpoints held meanwhile', function () {
  this.timeout(30_000);

  it('pin: RETRY (retryDelay 0) on a revived handler error, p having emitted: no moment shows attempt 1 listed with its emit applied; attempt 2 is sent at once; k gets both emits (at-least-once, as in place)', async () => {
    const flow = build('s16a-retry', (p) => p.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 0 })));
    const { job, results, sent, moments } = await live(flow, 's16a-retry:1');
    results.deliver(sent[0], poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }], { name: 'Error', message: 'boom' }));
    await until(() => sent.length === 2, 'attempt 2 sent');
    results.deliver(sent[1], poolResult([{ k: 'emit', e: 'out', d: { v: 2 } }]));
    const final = await job.wait({ timeout: 5_000 });
    expect({ status: final.status, got: final.sharedData.got, bad: moments.findIndex((s) => pListed(s, 1) && pApplied(s)) }).to.deep.equal({ status: 'completed', got: [1, 2], bad: -1 });
  });

  it('pin: a user’s events$ subscriber cancelling the job while p’s emit is applied: the job ends cancelled, k never runs, the effects after the emit are dropped, the hold is let go (the cancel told once as a status change, later jobs’ moments told)', async () => {
    const flow = build('s16a-cancel');
    const { job, results, sent, moments } = await live(flow, 's16a-cancel:1');
    const changes: string[] = [];
    setCheckpointTap(flow, (rt, statusChange) => void (moments.push(rt.snapshot()), statusChange && changes.push(rt.status)));
    const sub = flow.events$.subscribe((e) => e.routineId === 'p' && void job.cancel('from an observer'));
    const before = moments.length;
    results.deliver(sent[0], poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }, { k: 'shared', key: 'after', v: 1 }]));
    const final = await job.wait({ timeout: 5_000 });
    sub.unsubscribe();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const told = moments.slice(before);
    expect({ status: final.status, got: final.sharedData.got, after: final.sharedData.after, changes, applied: told.findIndex((s) => pListed(s) && pApplied(s)) }).to.deep.equal({ status: 'cancelled', got: undefined, after: undefined, changes: ['cancelled'], applied: -1 });
    // Nothing of that job is held for ever: a later hold-free moment is told at once.
    const job2 = flow.start('src', {}, { jobId: 's16a-cancel:2' });
    const n = moments.length;
    await until(() => moments.length > n, 'the next job’s moments are told');
    void job2.cancel('done');
  });

  it('pin: a replay (p’s result taken from the inbox) whose effects emit, defer an event and pause: no moment shows them with p listed; resumed, k gets the emit once and the deferred one once', async () => {
    const RESULT = poolResult([
      { k: 'emit', e: 'out', d: { v: 1 } },
      { k: 'defer', e: 'later', d: { v: 2 } },
      { k: 'pause', r: 'review', c: {} },
    ]);
    const flow = build('s16a-replay');
    const { job, results, sent, moments } = await live(flow, 's16a-replay:1');
    const key = sent[0];
    const before = moments.filter((s) => pListed(s)).at(-1)!;
    results.deliver(key, RESULT);
    await until(() => job.state.status === 'paused' && job.state.runningTasks.length === 0, 'the live run rested paused');
    expect(moments.findIndex((s) => pListed(s) && pApplied(s)), 'live').to.equal(-1);
    // A new owner restores the checkpoint listing p, its result in the inbox.
    const flow2 = build('s16a-replay');
    const results2 = new PoolResults();
    results2.deliver(key, RESULT);
    const { sent: sent2 } = fakePool(flow2, results2);
    const moments2: JobState[] = [];
    setCheckpointTap(flow2, (rt) => moments2.push(rt.snapshot()));
    const job2 = flow2.resume(before);
    await until(() => job2.state.status === 'paused' && job2.state.runningTasks.length === 0, 'the replay rested paused');
    expect(moments2.findIndex((s) => pListed(s) && pApplied(s)), 'replay').to.equal(-1);
    job2.resume();
    const final = await job2.wait({ timeout: 5_000 });
    expect({ status: final.status, got: final.sharedData.got, sent2 }).to.deep.equal({ status: 'completed', got: [1, 2], sent2: [] });
    job.resume();
    expect((await job.wait({ timeout: 5_000 })).sharedData.got, 'the live run alike').to.deep.equal([1, 2]);
  });

  it('pin: a result that cannot be read (not JSON) fails p under its policy (STOP: the job fails) and lets go of the hold: the failure’s moment is told, and a failure is not told to the pool before it is stored', async () => {
    const flow = build('s16a-garbage');
    const { job, results, sent, told, moments } = await live(flow, 's16a-garbage:1');
    results.deliver(sent[0], 'not json');
    const final = await job.wait({ timeout: 5_000 });
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect({ status: final.status, failedMoment: moments.some((s) => s.status === 'failed'), told }).to.deep.equal({ status: 'failed', failedMoment: true, told: [] });
    results.failureStored();
  });

  it('pin: holdCheckpoints nests and tells one moment at the outermost release, a status change if any was; a release called twice counts once', () => {
    const flow = new Flow({ flowId: 's16a-nest' });
    const calls: boolean[] = [];
    setCheckpointTap(flow, (_rt, statusChange) => void calls.push(statusChange));
    const job = flow.start(((): string => {
      const r = new Routine();
      r.defineSlot('go', () => undefined);
      flow.addRoutine(r, 'r');
      return 'r';
    })(), {}, { jobId: 's16a-nest:1' });
    const rt = (job as unknown as { _runtime: object })._runtime;
    const engine = (flow as unknown as { engine?: { checkpoint(j: object, s: boolean): void } }).engine;
    const tell = (s: boolean): void => (engine ? engine.checkpoint(rt, s) : undefined);
    const outer = holdCheckpoints(rt);
    const inner = holdCheckpoints(rt);
    tell(false);
    tell(true);
    inner();
    inner();
    tell(false);
    expect(calls, 'held').to.deep.equal([]);
    outer();
    expect(calls, engine ? 'one moment, a status change' : 'no engine found').to.deep.equal(engine ? [true] : []);
    expect(engine, 'FlowEngine reachable as flow.engine').to.not.equal(undefined);
    void job.cancel('done');
  });
});
