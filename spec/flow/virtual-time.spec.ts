import { expect } from 'chai';
import { finalize, map, tap, timer } from 'rxjs';
import { Flow, Routine, TimeoutError, type ExecutionContext, type FlowOptions, type JobState, type Payload } from '../../lib/index.js';
import { Source, expectRejects, makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * src --out--> work.in --out--> sink.in, where every `work` activation takes `ms` frames
 * (its handler returns timer(ms)) and emits when it ends. Records frames of starts, ends,
 * aborts and sink deliveries.
 */
function timedPipeline(scheduler: { now(): number }, options: FlowOptions, ms = 10) {
  const flow = new Flow(options);
  const rec = {
    starts: [] as Array<[number, unknown]>,
    ends: [] as Array<[number, unknown]>,
    aborts: [] as Array<[number, unknown]>,
    sink: [] as Array<[number, unknown]>,
  };
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(
    makeRoutine({
      in: (d: Payload, ctx: ExecutionContext) => {
        rec.starts.push([scheduler.now(), d.i]);
        ctx.signal.addEventListener('abort', () => rec.aborts.push([scheduler.now(), d.i]));
        return timer(ms).pipe(
          tap(() => {
            rec.ends.push([scheduler.now(), d.i]);
            ctx.emit('out', d);
          }),
        );
      },
    }),
    'work',
  );
  flow.addRoutine(makeRoutine({ in: (d: Payload) => void rec.sink.push([scheduler.now(), d.i]) }, []), 'sink');
  flow.connect('src', 'out', 'work', 'in');
  flow.connect('work', 'out', 'sink', 'in');
  return { flow, rec };
}

function itemsOf(n: number): Payload {
  return { items: Array.from({ length: n }, (_, k) => ({ i: k + 1 })) };
}

function statusTimeline(scheduler: { now(): number }, states: Array<[number, string]>) {
  return (s: JobState): void => {
    const last = states.at(-1);
    if (last === undefined || last[1] !== s.status) states.push([scheduler.now(), s.status]);
  };
}

describe('virtual time (TestScheduler.run)', () => {
  it('a flow with synchronous handlers produces its output at the frames of its input', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ hot, expectObservable }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => ctx.emit('out', { v: (d.v as number) * 2 }) }), 'double');
      const job = flow.open();
      hot('-a-b---c|', { a: { v: 1 }, b: { v: 2 }, c: { v: 3 } }).subscribe(job.input('double', 'in'));
      job.close();
      expectObservable(job.observe('double', 'out')).toBe('-x-y---z|', { x: { v: 2 }, y: { v: 4 }, z: { v: 6 } });
    });
  });

  it('a started job with synchronous handlers emits everything at frame 0', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ expectObservable }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => ctx.emit('out', { sq: (d.n as number) ** 2 }) }), 'sq');
      flow.connect('src', 'out', 'sq', 'in');
      expectObservable(flow.observe('sq', 'out')).toBe('(abc)', { a: { sq: 1 }, b: { sq: 4 }, c: { sq: 9 } });
      flow.start('src', { items: [{ n: 1 }, { n: 2 }, { n: 3 }] });
    });
  });

  it('handlers returning timer(...) run in virtual time; the first activation runs at frame 0, never inside start()', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ expectObservable, flush }) => {
      const { flow, rec } = timedPipeline(scheduler, { scheduler });
      const out$ = flow.observe('work', 'out').pipe(map((p) => p.i));
      expectObservable(out$).toBe('10ms a 9ms b 9ms c', { a: 1, b: 2, c: 3 });
      const job = flow.start('src', itemsOf(3));
      expect(rec.starts).to.deep.equal([]);
      expect(job.state.status).to.equal('pending');
      const timeline: Array<[number, string]> = [];
      job.state$.subscribe(statusTimeline(scheduler, timeline));
      flush();
      expect(rec.starts).to.deep.equal([[0, 1], [10, 2], [20, 3]]);
      expect(rec.sink).to.deep.equal([[30, 1], [30, 2], [30, 3]]);
      expect(timeline).to.deep.equal([[0, 'pending'], [0, 'running'], [30, 'completed']]);
      const state = job.state;
      expect(state.createdAt).to.equal(0);
      expect(state.updatedAt).to.equal(30);
      expect(state.executionHistory.filter((r) => r.routineId === 'work').map((r) => r.timestamp)).to.deep.equal([10, 20, 30]);
    });
  });

  // The flow wraps its scheduler instead of patching it (issue 13): in virtual time a handler
  // schedules on ctx.scheduler for this.emit inside its timer to know the job.
  it('this.emit inside the timer(..., ctx.scheduler) a handler returns is attributed to the job in virtual time too', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 4 });
      const r = new Routine();
      r.defineEvent('out');
      r.defineSlot('trigger', (d: Payload, ctx) => timer(d.ms as number, ctx.scheduler).pipe(tap(() => r.emit('out', { tag: d.tag }))));
      flow.addRoutine(r, 'r');
      const got: Array<[number, string, unknown]> = [];
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => void got.push([scheduler.now(), ctx.jobId, d.tag]) }, []), 'sink');
      flow.connect('r', 'out', 'sink', 'in');
      flow.start('r', { ms: 20, tag: 'a' }, { jobId: 'va' });
      flow.start('r', { ms: 5, tag: 'b' }, { jobId: 'vb' });
      flush();
      expect(got).to.deep.equal([
        [5, 'vb', 'b'],
        [20, 'va', 'a'],
      ]);
    });
  });

  it('concurrency limit: with N = 2, five 10-frame activations start at 0, 0, 10, 10, 20 and end at 10, 10, 20, 20, 30', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, rec } = timedPipeline(scheduler, { scheduler, executionStrategy: 'concurrent', maxWorkers: 2 });
      const job = flow.start('src', itemsOf(5));
      let completedAt = -1;
      job.state$.subscribe((s) => {
        if (s.status === 'completed') completedAt = scheduler.now();
      });
      flush();
      expect(rec.starts).to.deep.equal([[0, 1], [0, 2], [10, 3], [10, 4], [20, 5]]);
      expect(rec.ends).to.deep.equal([[10, 1], [10, 2], [20, 3], [20, 4], [30, 5]]);
      expect(completedAt).to.equal(30);
    });
  });

  it('concurrency limit holds across jobs: N = 3 shared by two jobs', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, rec } = timedPipeline(scheduler, { scheduler, executionStrategy: 'concurrent', maxWorkers: 3 });
      const a = flow.start('src', { items: [{ i: 'a1' }, { i: 'a2' }] });
      const b = flow.start('src', { items: [{ i: 'b1' }, { i: 'b2' }] });
      flush();
      expect(rec.starts).to.deep.equal([[0, 'a1'], [0, 'a2'], [0, 'b1'], [10, 'b2']]);
      expect(a.state.status).to.equal('completed');
      expect(b.state.status).to.equal('completed');
      expect(a.state.updatedAt).to.equal(10);
      expect(b.state.updatedAt).to.equal(20);
    });
  });

  it('pause at frame 15, resume at frame 50: the running activation finishes, the rest waits, deliveries are unchanged', () => {
    const reference = (() => {
      const scheduler = newTestScheduler();
      let out: ReturnType<typeof timedPipeline>['rec'] | undefined;
      scheduler.run(({ flush }) => {
        const { flow, rec } = timedPipeline(scheduler, { scheduler });
        flow.start('src', itemsOf(3));
        flush();
        out = rec;
      });
      return out!;
    })();
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, rec } = timedPipeline(scheduler, { scheduler });
      const job = flow.start('src', itemsOf(3));
      const timeline: Array<[number, string]> = [];
      job.state$.subscribe(statusTimeline(scheduler, timeline));
      let pendingAtPause: unknown[] = [];
      let pendingAfterRunningEnded: unknown[] = [];
      scheduler.schedule(() => {
        void job.pause('frame 15', { k: 15 });
        pendingAtPause = job.state.pendingTasks.map((t) => `${t.routineId}:${t.data.i as number}`);
      }, 15);
      scheduler.schedule(() => {
        pendingAfterRunningEnded = job.state.pendingTasks.map((t) => `${t.routineId}:${t.data.i as number}`);
      }, 30);
      scheduler.schedule(() => void job.resume(), 50);
      flush();
      expect(rec.starts).to.deep.equal([[0, 1], [10, 2], [50, 3]]);
      expect(rec.ends).to.deep.equal([[10, 1], [20, 2], [60, 3]]);
      expect(rec.sink).to.deep.equal([[60, 1], [60, 2], [60, 3]]);
      expect(rec.aborts).to.deep.equal([]);
      expect(pendingAtPause).to.deep.equal(['work:3', 'sink:1']);
      expect(pendingAfterRunningEnded).to.deep.equal(['work:3', 'sink:1', 'sink:2']);
      expect(timeline).to.deep.equal([[0, 'pending'], [0, 'running'], [15, 'paused'], [50, 'running'], [60, 'completed']]);
      expect(job.state.pausePoints.map((p) => [p.reason, p.checkpoint, p.timestamp])).to.deep.equal([['frame 15', { k: 15 }, 15]]);
      // same deliveries, in the same order, as the uninterrupted run
      expect(rec.sink.map(([, i]) => i)).to.deep.equal(reference.sink.map(([, i]) => i));
      expect(rec.ends.map(([, i]) => i)).to.deep.equal(reference.ends.map(([, i]) => i));
    });
  });

  it('cancel at frame 15: the running activation is aborted then, nothing else ever runs', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, rec } = timedPipeline(scheduler, { scheduler });
      const finalized: number[] = [];
      const job = flow.start('src', itemsOf(3));
      const timeline: Array<[number, string]> = [];
      job.state$.subscribe(statusTimeline(scheduler, timeline));
      scheduler.schedule(() => void job.cancel('frame 15'), 15);
      scheduler.schedule(() => finalized.push(scheduler.now()), 200);
      flush();
      expect(rec.starts).to.deep.equal([[0, 1], [10, 2]]);
      expect(rec.ends).to.deep.equal([[10, 1]]);
      // the running activation's signal is aborted at the cancel frame (the contract also lets the
      // signals of already finished activations of the job abort: "aborted when the job is cancelled")
      expect(rec.aborts).to.deep.include([15, 2]);
      expect(rec.aborts.every(([f]) => f === 15)).to.equal(true);
      expect(rec.sink).to.deep.equal([]);
      expect(timeline).to.deep.equal([[0, 'pending'], [0, 'running'], [15, 'cancelled']]);
      expect(job.state.updatedAt).to.equal(15);
      expect(finalized).to.deep.equal([200]);
    });
  });

  it('an observable activation is unsubscribed when its job is cancelled', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const events: Array<[number, string]> = [];
      flow.addRoutine(
        makeRoutine({ trigger: () => timer(100).pipe(finalize(() => events.push([scheduler.now(), 'finalized']))) }),
        'long',
      );
      const job = flow.start('long');
      scheduler.schedule(() => void job.cancel(), 40);
      flush();
      expect(events).to.deep.equal([[40, 'finalized']]);
      expect(job.state.status).to.equal('cancelled');
    });
  });

  it('executionTimeout fails the job at its frame with a TimeoutError and aborts the running activation', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const { flow, rec } = timedPipeline(scheduler, { scheduler, executionTimeout: 25 });
      const job = flow.start('src', itemsOf(3));
      const timeline: Array<[number, string]> = [];
      job.state$.subscribe(statusTimeline(scheduler, timeline));
      flush();
      expect(timeline.at(-1)).to.deep.equal([25, 'failed']);
      expect(job.state.error!.name).to.equal('TimeoutError');
      expect(rec.starts).to.deep.equal([[0, 1], [10, 2], [20, 3]]);
      expect(rec.aborts).to.deep.include([25, 3]);
      expect(rec.aborts.every(([f]) => f === 25)).to.equal(true);
      expect(rec.ends).to.deep.equal([[10, 1], [20, 2]]);
      expect(rec.sink).to.deep.equal([]);
    });
  });

  it('flow.open({ timeout }) fails an open job that is never closed, at the timeout frame', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ in: () => {} }, []), 'sink');
      const job = flow.open({ timeout: 40 });
      scheduler.schedule(() => job.send('sink', 'in', {}), 10);
      const timeline: Array<[number, string]> = [];
      job.state$.subscribe(statusTimeline(scheduler, timeline));
      flush();
      expect(timeline.at(-1)).to.deep.equal([40, 'failed']);
      expect(job.state.error!.name).to.equal('TimeoutError');
      expect(job.state.getRoutineState('sink')).to.include({ activations: 1, status: 'completed' });
    });
  });

  it('job.wait({ timeout }) counts scheduler time', async () => {
    const scheduler = newTestScheduler();
    let waiting: Promise<JobState> | undefined;
    let job: ReturnType<Flow['start']> | undefined;
    let statusAt30 = '';
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ trigger: () => timer(100) }), 'slow');
      job = flow.start('slow');
      waiting = job.wait({ timeout: 30 });
      scheduler.schedule(() => void (statusAt30 = job!.state.status), 30);
      flush();
    });
    await expectRejects(waiting!, TimeoutError);
    expect(statusAt30).to.equal('running');
    expect(job!.state.status).to.equal('completed');
  });
});
