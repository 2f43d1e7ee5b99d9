import { expect } from 'chai';
import fc from 'fast-check';
import { TestScheduler } from 'rxjs/testing';
import { Flow, JobState, Routine, registerActivationPolicy, type ExecutionContext, type Job, type JobState as State, type Payload, type SlotOptions } from '../../lib/index.js';
import { handScheduler, runTo, settle } from '../helpers/virtual-clock.js';

// Issue 19: a job whose joins, batches and windows hold payloads can be cut anywhere — paused
// and resumed in place, paused and moved as JSON to a fresh flow, or "crashed" (its running
// state saved and resumed in a fresh flow) — and gives exactly the outputs of an uninterrupted
// run. Everything runs in virtual time, so each case is deterministic and a counterexample replays.

type Side = 'left' | 'right';
interface Delivery {
  at: number;
  sink: string;
  data: Payload;
}

registerActivationPolicy('spec.property.everySecond', (state, incoming) => (state.held ? { state: {}, fire: { ps: [state.held, incoming.p] } } : { state: { held: incoming.p } }));

/**
 * The flow: `j` zips left and right into pairs and `k` joins their latest; `b` batches pairs
 * by 3 (maxWait 7 ms), `w` windows them by 10 ms, `c` hands them over two by two (a custom
 * policy); sinks record what `b`, `w`, `c` and `k` hand over. Every handler counts activations
 * and the one numbered `pauseAt` pauses the job from inside itself.
 */
function build(ts: TestScheduler, out: Delivery[], pauseAt?: number): Flow {
  const flow = new Flow({ flowId: 'policy-property', scheduler: ts });
  let activations = 0;
  const tick = (ctx: ExecutionContext): void => {
    if (++activations === pauseAt) void ctx.pause('cut');
  };
  const src = new Routine();
  src.defineEvent('left');
  src.defineEvent('right');
  src.defineSlot('trigger', (data, ctx) => {
    tick(ctx);
    for (const [side, v] of data.sends as Array<[Side, number]>) ctx.emit(side, { v });
  });
  const j = new Routine();
  j.defineEvent('pair');
  j.defineJoin('pair', ['left', 'right'], (data, ctx) => {
    tick(ctx);
    ctx.emit('pair', { p: [(data.left as Payload).v, (data.right as Payload).v] });
  });
  const k = new Routine();
  k.defineEvent('out');
  k.defineJoin('latest', ['left', 'right'], (data, ctx) => {
    tick(ctx);
    ctx.emit('out', { ps: [[(data.left as Payload).v, (data.right as Payload).v]] });
  }, { mode: 'latest' });
  const batcher = (options: SlotOptions): Routine => {
    const r = new Routine();
    r.defineEvent('out');
    r.defineSlot('in', (data, ctx) => {
      tick(ctx);
      ctx.emit('out', { ps: data.items !== undefined ? (data.items as Payload[]).map((x) => x.p) : data.ps });
    }, options);
    return r;
  };
  flow.addRoutine(src, 'src');
  flow.addRoutine(j, 'j');
  flow.addRoutine(batcher({ batch: { size: 3, maxWait: 7 } }), 'b');
  flow.addRoutine(batcher({ window: 10 }), 'w');
  flow.addRoutine(batcher({ activation: 'spec.property.everySecond' }), 'c');
  flow.addRoutine(k, 'k');
  for (const name of ['b', 'w', 'c', 'k']) {
    const sink = new Routine();
    sink.defineSlot('in', (data, ctx) => {
      tick(ctx);
      out.push({ at: ts.now(), sink: name, data });
    });
    flow.addRoutine(sink, `${name}Sink`);
    if (name !== 'k') flow.connect('j', 'pair', name, 'in');
    flow.connect(name, 'out', `${name}Sink`, 'in');
  }
  for (const side of ['left', 'right']) {
    flow.connect('src', side, 'j', side);
    flow.connect('src', side, 'k', side);
  }
  return flow;
}

const incomplete = (state: State): Payload[] => state.executionHistory.filter((h) => h.eventName === 'join-incomplete').map((h) => h.data);

const sendsArb = fc.array(fc.tuple(fc.constantFrom<Side>('left', 'right'), fc.integer({ min: 0, max: 99 })), { maxLength: 10 });

describe('activation policies resume anywhere (property)', function () {
  this.timeout(60_000);

  it('an entry job paused at any activation, resumed in place or from JSON in a fresh flow, delivers what an uninterrupted one does', async () => {
    await fc.assert(
      fc.asyncProperty(sendsArb, fc.integer({ min: 1, max: 30 }), async (sends, pauseAt) => {
        const run = async (cut: number | undefined, how: 'in place' | 'json') => {
          const out: Delivery[] = [];
          const ts = handScheduler();
          const job = build(ts, out, cut).start('src', { sends }, { jobId: 'p' });
          await settle(ts, job.wait());
          if (job.state.status !== 'paused') return { out, state: job.state };
          if (how === 'in place') {
            job.resume();
            await settle(ts, job.wait());
            return { out, state: job.state };
          }
          const text = JSON.stringify(job.state);
          const ts2 = handScheduler();
          const again = build(ts2, out).resume(JobState.fromJSON(text));
          await settle(ts2, again.wait());
          return { out, state: again.state };
        };
        const reference = await run(undefined, 'in place');
        expect(reference.state.status).to.equal('completed');
        for (const how of ['in place', 'json'] as const) {
          const cut = await run(pauseAt, how);
          expect(cut.state.status, how).to.equal('completed');
          expect(cut.out.map((d) => [d.sink, d.data]), how).to.deep.equal(reference.out.map((d) => [d.sink, d.data]));
          expect(incomplete(cut.state), how).to.deep.equal(incomplete(reference.state));
        }
      }),
      { numRuns: Number(process.env.POLICY_PROPERTY_RUNS ?? 60) },
    );
  });

  it('an open job fed over time, paused and moved as JSON or crashed and resumed elsewhere at any frame, gives the same outputs at the same job times', async () => {
    const closeAt = 200;
    /**
     * Sends each `[frame, side, value]` at that frame of `ts` to the job `job()` returns then.
     * Inputs are scheduled before the job runs, so an input and a timer due at the same frame
     * run input first in every run (a tie's order is the scheduler's insertion order).
     */
    const feed = (ts: TestScheduler, job: () => Job, sends: Array<[number, Side, number]>): void => {
      for (const [at, side, v] of sends) {
        ts.schedule(() => {
          job().send('j', side, { v });
          job().send('k', side, { v });
        }, at - ts.now());
      }
    };
    const finish = async (ts: TestScheduler, job: Job, at: number): Promise<State> => {
      runTo(ts, at);
      job.close();
      await settle(ts, job.wait());
      return job.state;
    };
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.tuple(fc.integer({ min: 0, max: 80 }), fc.constantFrom<Side>('left', 'right'), fc.integer({ min: 0, max: 99 })), { maxLength: 12 }),
        fc.integer({ min: 0, max: 90 }),
        fc.constantFrom('moved', 'crashed'),
        async (raw, half, how) => {
          const sends = raw.map(([t, side, v]): [number, Side, number] => [t * 2, side, v]).sort((a, b) => a[0] - b[0]);
          const cut = half * 2 + 1; // nothing happens at an odd frame
          const straight: Delivery[] = [];
          const tsR = handScheduler();
          const ref = build(tsR, straight).open({ jobId: 'o' });
          feed(tsR, () => ref, sends);
          const refState = await finish(tsR, ref, closeAt);

          const got: Delivery[] = [];
          const tsA = handScheduler();
          const job = build(tsA, got).open({ jobId: 'o' });
          feed(tsA, () => job, sends.filter(([at]) => at < cut));
          runTo(tsA, cut);
          // Moved: paused, then restored where the clock reads 1001 (job time goes on from the cut).
          // Crashed: the running state as a checkpoint saw it, resumed where the clock reads the cut.
          if (how === 'moved') await settle(tsA, job.pause('move'));
          const text = JSON.stringify(job.state);
          await settle(tsA, job.cancel());
          const restoreAt = how === 'moved' ? 1001 : cut;
          const tsB = handScheduler();
          runTo(tsB, restoreAt);
          let again!: Job;
          feed(tsB, () => again, sends.filter(([at]) => at > cut).map(([at, side, v]) => [at - cut + restoreAt, side, v]));
          again = build(tsB, got).resume(JobState.fromJSON(text));
          const state = await finish(tsB, again, closeAt - cut + restoreAt);
          const jobTime = got.map((d) => ({ ...d, at: d.at >= restoreAt && how === 'moved' ? d.at - restoreAt + cut : d.at }));
          expect(JSON.stringify(jobTime)).to.equal(JSON.stringify(straight));
          expect(incomplete(state)).to.deep.equal(incomplete(refState));
        },
      ),
      {
        numRuns: Number(process.env.POLICY_PROPERTY_RUNS ?? 60),
        // The first: a restored window and a later input due at the same frame (input first, as in the straight run).
        examples: [[[[1, 'right', 0], [6, 'left', 0], [0, 'left', 0]], 1, 'moved'], [[[0, 'left', 1], [3, 'right', 2], [5, 'left', 3]], 2, 'moved']],
      },
    );
  });
});
