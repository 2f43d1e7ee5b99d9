/**
 * Adversarial review s15b of the s15 fix (b125f43, d220e17): a pool activation on its owner ends
 * in the same synchronous step as its result is applied (PoolOutcome), so that no checkpoint
 * snapshot shows a result's effects with its activation still listed to run (a new owner would
 * replay it and apply the result a second time).
 *
 * The job runs in this process with the real pool executor (poolExecutor, PoolResults) and a
 * hand-made pool, as in spec/bullmq/review-s15-double-apply.spec.ts: no Redis. A checkpoint
 * moment is where the engine calls the flow's checkpoint tap (an owner's Checkpointer snapshots
 * the job right there when no write is in progress: Checkpointer.attempt).
 *
 * Each `it` named FINDING fails on the tree it was written on (review-s15 at c30137d) for the
 * reason it states; each `pin` passes. FINDING 1 is fixed by holdCheckpoints (pool-results.ts'
 * `end`: no checkpoint moment between a result's first effect and its activation's end).
 */
import { expect } from 'chai';
import { ErrorHandler, Flow, Routine, type ExecutionContext, type Job } from '../../lib/index.js';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { PoolOutcome } from '../../lib/bullmq/pool-outcome.js';
import { setCheckpointTap } from '../../lib/runtime/checkpoint-tap.js';
import type { JobState } from '../../lib/state/job-state.js';
import { currentContext, runInContext } from '../../lib/model/current-context.js';
import type { ActivationContext } from '../../lib/model/activation-context.js';
import { fakePool, poolResult, srcPoolK, until } from '../helpers/fake-pool.js';

const pListed = (s: JobState): boolean => [...s.runningTasks, ...s.pendingTasks].some((t) => t.routineId === 'p');
const pApplied = (s: JobState): boolean => [...s.runningTasks, ...s.pendingTasks].some((t) => t.routineId === 'k') || s.sharedData.got !== undefined;

const liveResults = new Map<Job, PoolResults>();

/** Runs src → p live; p's result (`raw`) is delivered once p was sent; returns the job, the key and every checkpoint moment. */
async function runLive(flowId: string, raw: string, setup?: (p: Routine) => void): Promise<{ flow: Flow; job: Job; key: string; moments: JobState[]; sent: string[] }> {
  const flow = srcPoolK(flowId, setup);
  const results = new PoolResults();
  const sent: string[] = [];
  fakePool(flow, results, sent);
  const moments: JobState[] = [];
  setCheckpointTap(flow, (rt) => moments.push(rt.snapshot()));
  const job = flow.start('src', {}, { jobId: `${flowId}:1` });
  liveResults.set(job, results);
  await until(() => sent.length > 0, 'p was sent to the pool');
  results.deliver(sent[0], raw);
  return { flow, job, key: sent[0], moments, sent };
}

describe('review s15b: a pool activation ends where its result is applied', function () {
  this.timeout(30_000);

  it('FINDING 1: a pool result that emits and pauses (pause effect) checkpoints the job in the middle of its application, p still running: a new owner resuming that checkpoint applies the emit twice', async () => {
    // p's handler on the pool: ctx.emit('out', { v: 1 }); void ctx.pause('review'). The owner
    // applies the emit (k's task queued), then the pause: pauseJob → job.change('pause') → a
    // resting status change checkpoints at once (JobRuntime.change → owner.checkpoint(job,
    // true) → Checkpointer snapshots now when no write is in progress). p has not ended: it is
    // ended by PoolOutcome.end only after applyEffects returns. That snapshot shows k's task
    // parked and p running: the window the fix closes, opened again from inside the effects.
    const RESULT = poolResult([
      { k: 'emit', e: 'out', d: { v: 1 } },
      { k: 'pause', r: 'review', c: {} },
    ]);
    const { job, key, moments } = await runLive('s15b-pause', RESULT);
    await until(() => job.state.status === 'paused' && job.state.runningTasks.length === 0, 'the job rested paused');
    const between = moments.findIndex((s) => pListed(s) && pApplied(s));
    // The consequence: a new owner restores that checkpoint (the owner died before the next
    // write, the one after p's end, landed), p's result in the job's inbox (as takenInbox
    // delivers it). Resumed, p runs again as listed, takes its result from the inbox, applies it.
    let got: unknown = 'no such checkpoint';
    if (between >= 0) {
      const flow2 = srcPoolK('s15b-pause');
      const results2 = new PoolResults();
      results2.deliver(key, RESULT);
      const sent2: string[] = [];
      fakePool(flow2, results2, sent2);
      const job2 = flow2.resume(moments[between]);
      if (job2.state.status === 'paused') job2.resume();
      await until(() => job2.state.status === 'paused' || job2.state.status === 'completed', 'the replay rested');
      await until(() => job2.state.runningTasks.length === 0, 'the replay settled');
      if (job2.state.status === 'paused') job2.resume();
      got = (await job2.wait({ timeout: 5_000 })).getSharedData('got');
      expect(sent2, 'the replay took p’s result from the inbox').to.deep.equal([]);
    }
    expect({ between, got }, `checkpoint moment ${between} of ${moments.length}: p running, its emit applied`).to.deep.equal({ between: -1, got: 'no such checkpoint' });
  });
  it('pin: PoolOutcome calls each callback once, synchronously at end() (or at once when ended), outside any activation context; a callback that throws rejects only what its then returned', async () => {
    const calls: string[] = [];
    const outcome = new PoolOutcome();
    const fake = { routineId: 'fake' } as unknown as ActivationContext;
    const before = runInContext(fake, () => outcome.then(() => void calls.push(`ok1:${currentContext()?.routineId}`), () => void calls.push('err1')), undefined, undefined, undefined);
    outcome.end(undefined);
    outcome.end({ error: new Error('late') }); // once
    calls.push('after end');
    const after = runInContext(fake, () => outcome.then(() => void calls.push(`ok2:${currentContext()?.routineId}`)), undefined, undefined, undefined);
    calls.push('after then');
    const thrown = outcome.then(() => {
      throw new Error('in callback');
    });
    await Promise.all([before, after]);
    expect(calls).to.deep.equal(['ok1:undefined', 'after end', 'ok2:undefined', 'after then']);
    expect(await thrown.then(() => 'resolved', (e: Error) => e.message)).to.equal('in callback');
    const failed = new PoolOutcome();
    failed.end({ error: new Error('handler') });
    expect(await failed.then(() => 'ok', (e) => (e as Error).message)).to.equal('handler');
    expect(await Promise.resolve(failed).then(() => 'ok', (e: Error) => e.message), 'adopted by a Promise').to.equal('handler');
  });

  it('pin: a revived handler error (p emitted, then threw) ends the job as the same handler in place does, under retry, continue, skip and stop', async () => {
    const outcomes: Record<string, unknown> = {};
    for (const strategy of ['retry', 'continue', 'skip', 'stop'] as const) {
      const policy = (p: Routine): void => p.setErrorHandler(new ErrorHandler({ strategy, maxRetries: 1, retryDelay: 0 }));
      const { job, sent } = await runLive(`s15b-${strategy}`, poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }], { name: 'Error', message: 'boom' }), policy);
      await new Promise((resolve) => setTimeout(resolve, 20));
      if (sent.length > 1) liveResults.get(job)!.deliver(sent[1], poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }]));
      const pooled = await job.wait({ timeout: 5_000 }).then((s) => [s.status, s.sharedData.got]);
      const inPlace = srcPoolK(`s15b-${strategy}-here`, (p) => {
        policy(p);
        let n = 0;
        p.defineSlot<{ v: number }>('in', (d, ctx) => {
          ctx.emit('out', { v: d.v });
          if (n++ === 0) throw new Error('boom');
        });
      });
      const here = await inPlace.start('src', {}, { jobId: `s15b-${strategy}-here:1` }).wait({ timeout: 5_000 }).then((s) => [s.status, s.sharedData.got]);
      outcomes[strategy] = { pooled, here, same: JSON.stringify(pooled) === JSON.stringify(here) };
    }
    expect(Object.values(outcomes).every((o) => (o as { same: boolean }).same), JSON.stringify(outcomes)).to.equal(true);
  });

  it('pin: with an asynchronous slot schema on p (runAdmitted’s Observable), no checkpoint moment shows p’s result applied with p still listed, live or at a replay', async () => {
    const slowSchema = { '~standard': { version: 1, vendor: 's15b', validate: (value: unknown) => new Promise((resolve) => setTimeout(() => resolve({ value }), 10)) } } as never;
    const setup = (p: Routine): void => void p.defineSlot<{ v: number }>('in', (d, ctx) => ctx.emit('out', { v: d.v }), { schema: slowSchema });
    const OK = poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }]);
    const { job, key, moments } = await runLive('s15b-schema', OK, setup);
    expect((await job.wait({ timeout: 5_000 })).sharedData.got).to.deep.equal([1]);
    const flow2 = srcPoolK('s15b-schema', setup);
    const results2 = new PoolResults();
    results2.deliver(key, OK);
    const sent2: string[] = [];
    fakePool(flow2, results2, sent2);
    const moments2: JobState[] = [];
    setCheckpointTap(flow2, (rt) => moments2.push(rt.snapshot()));
    const first = moments.find((s) => pListed(s))!;
    expect((await flow2.resume(first).wait({ timeout: 5_000 })).sharedData.got).to.deep.equal([1]);
    expect(sent2).to.deep.equal([]);
    expect([moments, moments2].map((m) => m.findIndex((s) => pListed(s) && pApplied(s)))).to.deep.equal([-1, -1]);
  });
  it('pin: a replay that takes a chain of pool results (p → q, both pool) from the inbox, maxWorkers 1 and an activationTimeout, ends each in the dispatch loop that applies it: k gets 1 once, nothing sent, no timeout, observers see no activation as current at the ends', async () => {
    const chain = (): Flow => {
      const flow = new Flow({ flowId: 's15b-chain', maxWorkers: 1, activationTimeout: 50 });
      const src = new Routine();
      src.defineEvent('out', ['v']);
      src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { v: 1 }));
      flow.addRoutine(src, 'src');
      for (const id of ['p', 'q']) {
        const r = new Routine();
        r.defineEvent('out', ['v']);
        r.defineSlot<{ v: number }>('in', (d, ctx) => ctx.emit('out', { v: d.v }));
        r.setPlacement('pool');
        flow.addRoutine(r, id);
      }
      const k = new Routine();
      k.defineSlot<{ v: number }>('in', (d, ctx) => ctx.setSharedData('got', [...((ctx.getSharedData('got') as number[] | undefined) ?? []), d.v]));
      flow.addRoutine(k, 'k');
      flow.connect('src', 'out', 'p', 'in');
      flow.connect('p', 'out', 'q', 'in');
      flow.connect('q', 'out', 'k', 'in');
      return flow;
    };
    const OK = poolResult([{ k: 'emit', e: 'out', d: { v: 1 } }]);
    // Live, to learn both keys and the checkpoint before p's result.
    const flow = chain();
    const results = new PoolResults();
    const sent: string[] = [];
    fakePool(flow, results, sent);
    const moments: JobState[] = [];
    setCheckpointTap(flow, (rt) => moments.push(rt.snapshot()));
    const job = flow.start('src', {}, { jobId: 's15b-chain:1' });
    await until(() => sent.length === 1, 'p sent');
    const before = moments.filter((s) => s.runningTasks.some((t) => t.routineId === 'p')).at(-1)!;
    results.deliver(sent[0], OK);
    await until(() => sent.length === 2, 'q sent');
    results.deliver(sent[1], OK);
    expect((await job.wait({ timeout: 5_000 })).sharedData.got).to.deep.equal([1]);
    // The replay from the checkpoint that lists p running, both results in the inbox.
    const flow2 = chain();
    const results2 = new PoolResults();
    for (const key of sent) results2.deliver(key, OK);
    const sent2: string[] = [];
    fakePool(flow2, results2, sent2);
    const ends: string[] = [];
    flow2.inspect$.subscribe((r) => r.type === 'activation-end' && ends.push(`${r.routineId}:${r.outcome}:${currentContext()?.routineId ?? '-'}`));
    const final = await flow2.resume(before).wait({ timeout: 5_000 });
    expect({ got: final.sharedData.got, sent2, ends }).to.deep.equal({ got: [1], sent2: [], ends: ['p:completed:-', 'q:completed:-', 'k:completed:-'] });
  });
});
