import { expect } from 'chai';
import { ConfigurationError, Flow, JobState, RoutiluxError, Routine, registerMergeStrategy, registerRoutine, type Payload } from '../../lib/index.js';
import { until } from '../helpers/routines.js';

const log: Array<{ flow: Flow; routine: string; data: Payload }> = [];

registerMergeStrategy('review.sum', (prev, inc) => ({ total: ((prev.total as number) ?? 0) + (inc.v as number), count: ((prev.count as number) ?? 0) + 1 }));

class RtSource extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['v']);
    this.defineSlot<{ n: number }>('trigger', (d) => {
      for (let v = 1; v <= d.n; v++) this.emit('out', { v });
    });
  }
}
registerRoutine('Review.RtSource', RtSource);

class RtAcc extends Routine {
  constructor() {
    super();
    this.defineEvent('done', ['why']);
    this.defineSlot('in', (d, ctx) => {
      log.push({ flow: ctx.flow, routine: 'acc', data: d });
      const prev = (ctx.jobState.getRoutineState(ctx.routineId)?.seen as number | undefined) ?? 0;
      ctx.updateRoutineState({ seen: prev + 1, lastLen: (d.v as unknown[]).length });
      ctx.setSharedData('acc.last', (d.v as number[]).at(-1));
      if ((d.v as unknown[]).length === this.getConfig<number>('pauseAt', -1)) {
        this.emitDeferredEvent('done', { why: 'deferred at pause' });
        void ctx.flow.pause(ctx.jobId, 'review', { at: (d.v as unknown[]).length });
      }
    }, { mergeStrategy: 'append' });
  }
}
registerRoutine('Review.RtAcc', RtAcc);

class RtSum extends Routine {
  constructor() {
    super();
    this.defineSlot('in', (d, ctx) => void log.push({ flow: ctx.flow, routine: 'sum', data: d }), { mergeStrategy: 'review.sum' });
    this.defineSlot('done', (d, ctx) => void log.push({ flow: ctx.flow, routine: 'done', data: d }));
  }
}
registerRoutine('Review.RtSum', RtSum);

function build(flowId = 'review-rt'): Flow {
  const flow = new Flow({ flowId });
  flow.addRoutine(new RtSource(), 'src');
  const acc = new RtAcc();
  acc.setConfig({ pauseAt: 3 });
  flow.addRoutine(acc, 'acc');
  flow.addRoutine(new RtSum(), 'sum');
  flow.connect('src', 'out', 'acc', 'in');
  flow.connect('src', 'out', 'sum', 'in');
  flow.connect('acc', 'done', 'sum', 'done');
  return flow;
}

describe('a paused job round-trips through JSON into a flow rebuilt with Flow.fromJSON', () => {
  beforeEach(() => (log.length = 0));

  /**
   * Issue 5: "`flow.resume(state)` accepts a JobState from JSON in a freshly built process (same flow built by code or
   * from `Flow.fromJSON`): paused jobs continue exactly". DESIGN §3: "A snapshot holds everything a resume needs".
   */
  it('PASSES (pin): append arrays, custom merge, routine user state, shared data and deferred events continue exactly', async () => {
    const original = build();
    const job = original.start('src', { n: 6 }, { jobId: 'rt-1' });
    // acc pauses the job at its third payload: wait for that, not a fixed 30 ms (slow on a loaded machine).
    await until(() => job.state.status === 'paused', 10_000, 'acc to pause the job');
    const paused = job.state;
    expect(paused.status).to.equal('paused');
    const text = JSON.stringify(paused);
    const copy = Flow.fromJSON(JSON.stringify(original));
    const resumed = copy.resume(JobState.fromJSON(text));
    const final = await resumed.wait();
    expect(final.status).to.equal('completed');

    const uninterrupted = build('review-rt-plain');
    (uninterrupted.getRoutine('acc') as Routine).setConfig({ pauseAt: -1 });
    const plain = await uninterrupted.execute('src', { n: 6 });
    expect(plain.status).to.equal('completed');
    const seenIn = (flows: Flow[], routine: string) => log.filter((l) => l.routine === routine && flows.includes(l.flow)).map((l) => JSON.parse(JSON.stringify(l.data)));

    const accSeen = seenIn([original, copy], 'acc').map((d) => d.v);
    expect(accSeen).to.deep.equal([[1], [1, 2], [1, 2, 3], [1, 2, 3, 4], [1, 2, 3, 4, 5], [1, 2, 3, 4, 5, 6]]);
    // same deliveries as an uninterrupted run
    expect(seenIn([original, copy], 'acc')).to.deep.equal(seenIn([uninterrupted], 'acc'));
    expect(seenIn([original, copy], 'sum')).to.deep.equal(seenIn([uninterrupted], 'sum'));
    expect(log.filter((l) => l.routine === 'acc' && l.flow !== uninterrupted).slice(3).every((l) => l.flow === copy)).to.equal(true);
    expect(plain.getRoutineState('acc')).to.deep.include({ seen: 6, lastLen: 6 });
    const sums = log.filter((l) => l.routine === 'sum' && l.flow === copy).map((l) => l.data);
    expect(sums).to.deep.equal([{ total: 6, count: 3 }, { total: 10, count: 4 }, { total: 15, count: 5 }, { total: 21, count: 6 }]);
    expect(final.getRoutineState('acc')).to.deep.include({ seen: 6, lastLen: 6 });
    expect(final.getSharedData('acc.last')).to.equal(6);
    expect(final.slotData['acc.in']).to.deep.equal({ v: [1, 2, 3, 4, 5, 6] });
    expect(final.slotData['sum.in']).to.deep.equal({ total: 21, count: 6 });
    // the deferred event runs after the queued tasks, in the resumed job, and is recorded in its history
    const done = log.filter((l) => l.routine === 'done');
    expect(done.map((l) => [l.flow === copy, l.data])).to.deep.equal([[true, { why: 'deferred at pause' }]]);
    expect(final.deferredEvents).to.deep.equal([]);
    expect(final.executionHistory.some((h) => h.routineId === 'acc' && h.eventName === 'done')).to.equal(true);
    expect(final.pausePoints.map((p) => p.checkpoint)).to.deep.include({ at: 3 });
  });

  /**
   * DESIGN §3 Serialization: "Anything that cannot be restored is an error naming the path ..., never a silent drop.
   * `flow.resume(state)` checks the state first ... and throws before changing anything." A deferred event of a routine
   * (or an event) the flow does not have cannot be restored.
   */
  it('FAILS: a deferred event naming a missing routine/event is refused with a RoutiluxError naming the path (not silently dropped)', async () => {
    const original = build('review-rt-def');
    const job = original.start('src', { n: 4 }, { jobId: 'rt-def' });
    await until(() => job.state.status === 'paused', 10_000, 'acc to pause the job');
    const paused = job.state;
    expect(paused.status).to.equal('paused');
    expect(paused.deferredEvents.length).to.equal(1);
    const json = JSON.parse(JSON.stringify(paused));
    json.deferredEvents[0].routineId = 'ghost';
    const copy = Flow.fromJSON(JSON.stringify(original));
    let caught: unknown;
    try {
      copy.resume(JobState.fromJSON(json));
    } catch (e) {
      caught = e;
    }
    expect(caught).to.be.instanceOf(RoutiluxError);
    expect((caught as Error).message).to.include('deferredEvents[0]');
    expect((caught as Error).message).to.include('ghost');
    expect(copy.jobIds()).to.deep.equal([]);
    void ConfigurationError;
  });
});
