import { expect } from 'chai';
import { Subject, lastValueFrom, timer, toArray } from 'rxjs';
import {
  CancelledError,
  ConfigurationError,
  Flow,
  JobStateError,
  JobFailedStreamError,
  TimeoutError,
  type ExecutionContext,
  type FlowOptions,
  type JobState,
  type Payload,
} from '../../lib/index.js';
import { Deferred, Seen, Sink, Source, deferred, expectRejects, expectThrows, makeRoutine, sleep, until } from '../helpers/routines.js';
import { handScheduler, runTo, settle } from '../helpers/virtual-clock.js';

/**
 * src --out--> work.in --out--> sink.in. `work` is async: it logs, waits for the gate of
 * `${jobId}:${i}` if the test set one, then emits. `sink` logs.
 */
function pipeline(options: FlowOptions = {}) {
  const flow = new Flow(options);
  const log: string[] = [];
  const gates = new Map<string, Deferred>();
  const signals = new Map<string, AbortSignal>();
  const gate = (jobId: string, i: number): Deferred => {
    const d = deferred();
    gates.set(`${jobId}:${i}`, d);
    return d;
  };
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(
    makeRoutine({
      in: async (d: Payload, ctx: ExecutionContext) => {
        log.push(`work${d.i as number}`);
        signals.set(`${ctx.jobId}:${d.i as number}`, ctx.signal);
        const g = gates.get(`${ctx.jobId}:${d.i as number}`);
        if (g) await g.promise;
        ctx.emit('out', d);
      },
    }),
    'work',
  );
  flow.addRoutine(makeRoutine({ in: (d: Payload) => void log.push(`sink${d.i as number}`) }, []), 'sink');
  flow.connect('src', 'out', 'work', 'in');
  flow.connect('work', 'out', 'sink', 'in');
  return { flow, log, gate, signals };
}

const three = { items: [{ i: 1 }, { i: 2 }, { i: 3 }] };

function brief(tasks: JobState['pendingTasks']): string[] {
  return tasks.map((t) => `${t.routineId}.${t.slotName}:${t.data.i as number}#${t.attempt}`);
}

describe('job control', () => {
  describe('pause and resume', () => {
    it('pause stops dispatch at once; the running activation finishes and its emissions are queued', async () => {
      const { flow, log, gate } = pipeline();
      const g1 = gate('p1', 1);
      const job = flow.start('src', three, { jobId: 'p1' });
      await until(() => log.includes('work1'));
      const pausing = job.pause('review', { step: 1 });
      expect(job.state.status).to.equal('paused');
      expect(brief(job.state.pendingTasks)).to.deep.equal(['work.in:2#1', 'work.in:3#1']);
      expect(job.state.pendingTasks[0].source).to.deep.equal({ routineId: 'src', eventName: 'out' });
      await sleep(10);
      expect(log).to.deep.equal(['work1']);
      g1.resolve();
      const paused = await pausing;
      expect(paused.status).to.equal('paused');
      expect(brief(paused.pendingTasks)).to.deep.equal(['work.in:2#1', 'work.in:3#1', 'sink.in:1#1']);
      expect(paused.pausePoints).to.have.length(1);
      expect(paused.pausePoints[0]).to.include({ reason: 'review' });
      expect(paused.pausePoints[0].checkpoint).to.deep.equal({ step: 1 });
      expect(paused.pausePoints[0].timestamp).to.be.a('number');
      // Issue 15, point 9: the pause point counts what its snapshot lists (it said 2 while
      // pendingTasks listed the 3 above: work1's emit arrived after the pause).
      expect(paused.pausePoints[0].pendingCount).to.equal(paused.pendingTasks.length);
      expect(paused.pendingTasks.every((t) => typeof t.enqueuedAt === 'number')).to.equal(true);
      await sleep(10);
      expect(log).to.deep.equal(['work1']);
      expect(job.state.status).to.equal('paused');
    });

    it('resume sets running at once, then dispatches the queue in original order', async () => {
      const { flow, log, gate } = pipeline();
      const g1 = gate('p2', 1);
      const job = flow.start('src', three, { jobId: 'p2' });
      await until(() => log.includes('work1'));
      const pausing = job.pause('hold');
      g1.resolve();
      await pausing;
      expect(job.resume()).to.equal(job);
      expect(job.state.status).to.equal('running');
      const final = await job.wait();
      expect(final.status).to.equal('completed');
      expect(log).to.deep.equal(['work1', 'work2', 'work3', 'sink1', 'sink2', 'sink3']);
      expect(final.pendingTasks).to.deep.equal([]);
    });

    it('pause mid-flow then resume gives exactly the deliveries of an uninterrupted run', async () => {
      const reference = pipeline();
      const refState = await reference.flow.execute('src', three);
      const { flow, log, gate } = pipeline();
      const g2 = gate('p3', 2);
      const job = flow.start('src', three, { jobId: 'p3' });
      await until(() => log.includes('work2'));
      const pausing = job.pause('mid');
      g2.resolve();
      await pausing;
      await sleep(5);
      job.resume();
      const final = await job.wait();
      expect(final.status).to.equal('completed');
      expect(log).to.deep.equal(reference.log);
      const emits = (s: JobState): unknown[] => s.executionHistory.filter((r) => r.eventName === 'out').map((r) => [r.routineId, r.data]);
      expect(emits(final)).to.deep.equal(emits(refState));
    });

    it('pause called from inside a handler of the same job does not deadlock', async () => {
      const flow = new Flow();
      const log: string[] = [];
      let statusSeenInside = '';
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine({
          in: async (d: Payload, ctx: ExecutionContext) => {
            log.push(`work${d.i as number}`);
            if (d.i === 2) {
              const s = await flow.pause(ctx.jobId, 'inside', { at: 2 });
              statusSeenInside = s.status;
            }
            ctx.emit('out', d);
          },
        }),
        'work',
      );
      flow.addRoutine(makeRoutine({ in: (d: Payload) => void log.push(`sink${d.i as number}`) }, []), 'sink');
      flow.connect('src', 'out', 'work', 'in');
      flow.connect('work', 'out', 'sink', 'in');
      const job = flow.start('src', three, { jobId: 'inside' });
      // wait() resolves at the paused status, which is set at once, while the pausing handler still runs
      expect((await job.wait()).status).to.equal('paused');
      await until(() => statusSeenInside !== '', 10_000, 'the pause promise inside the handler');
      await sleep(5);
      expect(statusSeenInside).to.equal('paused');
      const paused = job.state;
      expect(paused.status).to.equal('paused');
      expect(paused.pausePoints.map((p) => [p.reason, p.checkpoint])).to.deep.equal([['inside', { at: 2 }]]);
      expect(brief(paused.pendingTasks)).to.deep.equal(['work.in:3#1', 'sink.in:1#1', 'sink.in:2#1']);
      expect(log).to.deep.equal(['work1', 'work2']);
      job.resume();
      const final = await job.wait();
      expect(final.status).to.equal('completed');
      expect(log).to.deep.equal(['work1', 'work2', 'work3', 'sink1', 'sink2', 'sink3']);
    });

    it('a synchronous handler can pause its own job; what it emits afterwards is queued', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (_d, ctx) => {
            void flow.pause(ctx.jobId, 'sync');
            ctx.emit('out', { after: true });
          },
        }),
        'src',
      );
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.start('src');
      expect((await job.wait()).status).to.equal('paused');
      await sleep(5);
      const paused = job.state;
      expect(paused.status).to.equal('paused');
      expect(paused.pendingTasks.map((t) => [t.routineId, t.data])).to.deep.equal([['sink', { after: true }]]);
      expect(log).to.have.length(0);
      job.resume();
      expect((await job.wait()).status).to.equal('completed');
      expect(log.map((s) => s.data)).to.deep.equal([{ after: true }]);
    });

    it('other jobs keep running while one job is paused', async () => {
      const { flow, log, gate } = pipeline();
      const ga = gate('A', 1);
      const a = flow.start('src', three, { jobId: 'A' });
      await until(() => log.includes('work1'));
      const pausing = a.pause('hold A');
      ga.resolve();
      await pausing;
      const before = log.length;
      const b = await flow.execute('src', three, { jobId: 'B' });
      expect(b.status).to.equal('completed');
      expect(log.length - before).to.equal(6);
      expect(a.state.status).to.equal('paused');
      expect(brief(a.state.pendingTasks)).to.deep.equal(['work.in:2#1', 'work.in:3#1', 'sink.in:1#1']);
      a.resume();
      expect((await a.wait()).status).to.equal('completed');
    });

    it('resume emits deferred events with the job context, recorded in its history, after the queued tasks', async () => {
      const flow = new Flow();
      const log: string[] = [];
      const gateRoutine = makeRoutine(
        {
          in: (d: Payload, ctx: ExecutionContext) => {
            log.push(`gate${d.i as number}`);
            if (d.i === 1) {
              gateRoutine.emitDeferredEvent('approved', { by: 'boss' });
              void flow.pause(ctx.jobId, 'await approval');
            }
          },
        },
        ['approved'],
      );
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(gateRoutine, 'gate');
      const approverJobs: string[] = [];
      flow.addRoutine(
        makeRoutine(
          {
            in: (d: Payload, ctx: ExecutionContext) => {
              log.push(`approver:${d.by as string}`);
              approverJobs.push(ctx.jobId);
            },
          },
          [],
        ),
        'approver',
      );
      flow.connect('src', 'out', 'gate', 'in');
      flow.connect('gate', 'approved', 'approver', 'in');
      const job = flow.start('src', { items: [{ i: 1 }, { i: 2 }] }, { jobId: 'deferring' });
      const paused = await job.wait();
      expect(paused.status).to.equal('paused');
      expect(paused.deferredEvents).to.have.length(1);
      expect(paused.deferredEvents[0]).to.include({ routineId: 'gate', eventName: 'approved' });
      expect(paused.deferredEvents[0].data).to.deep.equal({ by: 'boss' });
      expect(log).to.deep.equal(['gate1']);
      job.resume();
      const final = await job.wait();
      expect(final.status).to.equal('completed');
      expect(log).to.deep.equal(['gate1', 'gate2', 'approver:boss']);
      expect(approverJobs).to.deep.equal(['deferring']);
      expect(final.deferredEvents).to.deep.equal([]);
      const approved = final.executionHistory.filter((r) => r.eventName === 'approved');
      expect(approved.map((r) => [r.routineId, r.data])).to.deep.equal([['gate', { by: 'boss' }]]);
    });

    it('a job paused before its first dispatch keeps its entry task and runs it on resume', async () => {
      const { flow, log } = pipeline();
      let ran = 0;
      flow.getRoutine('src')!.getEvent('out')!.asObservable().subscribe(() => ran++);
      const job = flow.start('src', three, { jobId: 'early' });
      const paused = await job.pause('before anything');
      expect(paused.status).to.equal('paused');
      expect(paused.pendingTasks.map((t) => [t.routineId, t.slotName, t.data])).to.deep.equal([['src', 'trigger', three]]);
      await sleep(10);
      expect(ran).to.equal(0);
      expect(log).to.deep.equal([]);
      job.resume();
      expect((await job.wait()).status).to.equal('completed');
      expect(log).to.deep.equal(['work1', 'work2', 'work3', 'sink1', 'sink2', 'sink3']);
    });

    it('pause resolves only once every in-flight activation of the job has settled', async () => {
      const { flow, log, gate } = pipeline({ executionStrategy: 'concurrent', maxWorkers: 3 });
      const gs = [1, 2, 3].map((i) => gate('multi', i));
      const job = flow.start('src', three, { jobId: 'multi' });
      await until(() => log.length === 3);
      let resolved: JobState | undefined;
      void job.pause('all three running').then((s) => (resolved = s));
      gs[0].resolve();
      gs[2].resolve();
      await sleep(10);
      expect(resolved).to.equal(undefined);
      expect(job.state.status).to.equal('paused');
      gs[1].resolve();
      await until(() => resolved !== undefined, 10_000, 'pause to resolve');
      expect(resolved!.status).to.equal('paused');
      expect(resolved!.pendingTasks.map((t) => `${t.routineId}:${t.data.i as number}`).sort()).to.deep.equal(['sink:1', 'sink:2', 'sink:3']);
      expect(log.filter((l) => l.startsWith('sink'))).to.deep.equal([]);
      job.resume();
      expect((await job.wait()).status).to.equal('completed');
      expect(log.filter((l) => l.startsWith('sink')).sort()).to.deep.equal(['sink1', 'sink2', 'sink3']);
    });

    it('resume right after pause, before the running activation ends, loses and duplicates nothing', async () => {
      const reference = pipeline();
      await reference.flow.execute('src', three);
      const { flow, log, gate } = pipeline();
      const g = gate('quick', 1);
      const job = flow.start('src', three, { jobId: 'quick' });
      await until(() => log.includes('work1'));
      void job.pause('blink');
      job.resume();
      expect(job.state.status).to.equal('running');
      g.resolve();
      const final = await job.wait();
      expect(final.status).to.equal('completed');
      expect(log).to.deep.equal(reference.log);
    });

    it('job.send to a paused job is queued and runs after resume', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('ps', 1);
      const job = flow.start('src', { items: [{ i: 1 }] }, { jobId: 'ps' });
      await until(() => log.includes('work1'));
      const pausing = job.pause();
      job.send('sink', 'in', { i: 50 });
      expect(brief(job.state.pendingTasks)).to.deep.equal(['sink.in:50#1']);
      g.resolve();
      await pausing;
      await sleep(5);
      expect(log).to.deep.equal(['work1']);
      job.resume();
      expect((await job.wait()).status).to.equal('completed');
      expect(log).to.deep.equal(['work1', 'sink50', 'sink1']);
    });

    it('wait() on a paused job resolves at once with that snapshot', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('w', 1);
      const job = flow.start('src', three, { jobId: 'w' });
      await until(() => log.includes('work1'));
      const pausing = job.pause('x');
      g.resolve();
      await pausing;
      const s = await job.wait();
      expect(s.status).to.equal('paused');
      expect(s).to.equal(job.state);
    });
  });

  describe('cancel', () => {
    it('drops the queue, aborts running activations and settles cancelled at once; nothing runs later', async () => {
      const { flow, log, gate, signals } = pipeline({ executionStrategy: 'concurrent', maxWorkers: 2 });
      const gs = [1, 2, 3, 4].map((i) => gate('c1', i));
      const job = flow.start('src', { items: [{ i: 1 }, { i: 2 }, { i: 3 }, { i: 4 }] }, { jobId: 'c1' });
      const statuses: string[] = [];
      let stateCompleted = false;
      job.state$.subscribe({ next: (s) => statuses.push(s.status), complete: () => (stateCompleted = true) });
      const observed = lastValueFrom(job.observe('work', 'out').pipe(toArray()));
      await until(() => log.includes('work2'));
      expect(brief(job.state.pendingTasks)).to.deep.equal(['work.in:3#1', 'work.in:4#1']);
      const cancelling = job.cancel('user left');
      expect(job.state.status).to.equal('cancelled');
      expect(job.state.pendingTasks).to.deep.equal([]);
      const s1 = signals.get('c1:1')!;
      const s2 = signals.get('c1:2')!;
      expect(s1.aborted).to.equal(true);
      expect(s2.aborted).to.equal(true);
      expect(s1.reason).to.be.instanceOf(CancelledError);
      const cancelled = await cancelling;
      expect(cancelled.status).to.equal('cancelled');
      gs.forEach((g) => g.resolve());
      await sleep(20);
      expect(log).to.deep.equal(['work1', 'work2']);
      expect(job.state.status).to.equal('cancelled');
      expect(stateCompleted).to.equal(true);
      expect(statuses.at(-1)).to.equal('cancelled');
      expect(await observed).to.deep.equal([]);
      expect((await job.wait()).status).to.equal('cancelled');
    });

    it('a job cancelled right after start never runs anything', async () => {
      const { flow, log } = pipeline();
      const job = flow.start('src', three);
      const s = await job.cancel('changed my mind');
      expect(s.status).to.equal('cancelled');
      await sleep(10);
      expect(log).to.deep.equal([]);
      expect(job.state.getRoutineState('src')?.activations ?? 0).to.equal(0);
    });

    it('an endless synchronous self-loop never starves timers and stops when cancelled', async () => {
      const flow = new Flow();
      let spins = 0;
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => { spins++; ctx.emit('out', d); } }), 'loop');
      flow.connect('loop', 'out', 'loop', 'in');
      const job = flow.start('loop', {}, { slot: 'in' });
      await sleep(20); // a timer must get its turn while the loop runs
      // More than 10 spins by then; on a loaded machine the 20 ms may have gone to other
      // processes, so wait (on timers again, which the loop must keep letting through) until then.
      await until(() => spins > 10, 10_000, 'the loop to spin while timers get their turns');
      expect(spins).to.be.greaterThan(10);
      const s = await job.cancel('enough');
      expect(s.status).to.equal('cancelled');
      const at = spins;
      await sleep(10);
      expect(spins).to.equal(at);
    });

    it('cancelling a paused job drops its parked work', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('c2', 1);
      const job = flow.start('src', three, { jobId: 'c2' });
      await until(() => log.includes('work1'));
      const pausing = job.pause();
      g.resolve();
      await pausing;
      const s = await job.cancel('no longer needed');
      expect(s.status).to.equal('cancelled');
      expect(s.pendingTasks).to.deep.equal([]);
      await sleep(10);
      expect(log).to.deep.equal(['work1']);
    });

    it('a handler can cancel its own job: what it emits afterwards is never delivered', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (_d, ctx) => {
            void flow.cancel(ctx.jobId, 'from inside');
            ctx.emit('out', { late: true });
          },
        }),
        'src',
      );
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.start('src');
      const s = await job.wait();
      expect(s.status).to.equal('cancelled');
      await sleep(10);
      expect(log).to.have.length(0);
      expect(job.state.status).to.equal('cancelled');
    });

    it('does not affect other jobs of the flow', async () => {
      const { flow, log, gate } = pipeline({ executionStrategy: 'concurrent', maxWorkers: 4 });
      gate('x', 1);
      const x = flow.start('src', { items: [{ i: 1 }] }, { jobId: 'x' });
      const y = flow.start('src', { items: [{ i: 7 }, { i: 8 }] }, { jobId: 'y' });
      await until(() => log.includes('work1'));
      await x.cancel();
      const ys = await y.wait();
      expect(ys.status).to.equal('completed');
      expect(log.filter((l) => l.endsWith('7') || l.endsWith('8')).sort()).to.deep.equal(['sink7', 'sink8', 'work7', 'work8']);
    });
  });

  describe('job.observe', () => {
    it('streams this job only and completes when the job completes', async () => {
      const { flow } = pipeline();
      const a = flow.start('src', { items: [{ i: 1 }, { i: 2 }] });
      const b = flow.start('src', { items: [{ i: 9 }] });
      const fromA = lastValueFrom(a.observe('work', 'out').pipe(toArray()));
      const fromB = lastValueFrom(b.observe('work', 'out').pipe(toArray()));
      expect(await fromA).to.deep.equal([{ i: 1 }, { i: 2 }]);
      expect(await fromB).to.deep.equal([{ i: 9 }]);
    });

    // Issue 6 (newer than DESIGN.md's "completes with it"): the stream errors when the job fails.
    it('emits what was emitted, then errors with JobFailedStreamError when the job fails', async () => {
      const flow = new Flow();
      flow.addRoutine(
        makeRoutine({
          trigger: (_d, ctx) => {
            ctx.emit('out', { n: 1 });
            throw new Error('after one');
          },
        }),
        'r',
      );
      const job = flow.start('r');
      const seen: Payload[] = [];
      const ended = new Promise<unknown>((resolve) => job.observe('r', 'out').subscribe({ next: (p) => seen.push(p), error: resolve, complete: () => resolve('completed') }));
      expect((await job.wait()).status).to.equal('failed');
      const error = await ended;
      expect(error).to.be.instanceOf(JobFailedStreamError);
      expect((error as JobFailedStreamError).state.error).to.deep.include({ name: 'Error', message: 'after one', routineId: 'r' });
      expect(seen).to.deep.equal([{ n: 1 }]);
    });
  });

  describe('guards', () => {
    it('a completed job: pause and cancel reject with JobStateError, resume throws; status unchanged', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const job = flow.start('src');
      await job.wait();
      await expectRejects(job.pause('late'), JobStateError);
      await expectRejects(job.cancel('late'), JobStateError);
      expectThrows(() => job.resume(), JobStateError);
      expect(job.state.status).to.equal('completed');
      expect(job.state.pausePoints).to.deep.equal([]);
    });

    it('a cancelled job: pause and cancel reject, resume throws; status unchanged', async () => {
      const { flow, log, gate } = pipeline();
      gate('g2', 1);
      const job = flow.start('src', three, { jobId: 'g2' });
      await until(() => log.includes('work1'));
      await job.cancel();
      await expectRejects(job.pause(), JobStateError);
      await expectRejects(job.cancel(), JobStateError);
      expectThrows(() => job.resume(), JobStateError);
      expect(job.state.status).to.equal('cancelled');
    });

    it('a failed job: pause and cancel reject with JobStateError; status stays failed', async () => {
      const flow = new Flow();
      flow.addRoutine(makeRoutine({ trigger: () => { throw new Error('nope'); } }), 'r');
      const job = flow.start('r');
      expect((await job.wait()).status).to.equal('failed');
      await expectRejects(job.pause(), JobStateError);
      await expectRejects(job.cancel(), JobStateError);
      expect(job.state.status).to.equal('failed');
    });

    it('resuming a running job throws JobStateError and leaves it running', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('g4', 1);
      const job = flow.start('src', three, { jobId: 'g4' });
      await until(() => log.includes('work1'));
      expectThrows(() => job.resume(), JobStateError);
      expect(job.state.status).to.equal('running');
      g.resolve();
      expect((await job.wait()).status).to.equal('completed');
    });
  });

  describe('isolation of failures', () => {
    it('a job failing under STOP leaves another job of the flow running to completion', async () => {
      const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
      const log: Seen[] = [];
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine({
          in: async (d: Payload, ctx: ExecutionContext) => {
            await sleep(d.ms as number);
            if (d.fail) throw new Error('bad job');
            ctx.emit('out', d);
          },
        }),
        'work',
      );
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'work', 'in');
      flow.connect('work', 'out', 'sink', 'in');
      const bad = flow.start('src', { items: [{ ms: 2, fail: true }] }, { jobId: 'bad' });
      const good = flow.start('src', { items: [{ ms: 15 }, { ms: 20 }] }, { jobId: 'good' });
      const [sb, sg] = await Promise.all([bad.wait(), good.wait()]);
      expect(sb.status).to.equal('failed');
      expect(sg.status).to.equal('completed');
      expect(log.map((x) => x.jobId)).to.deep.equal(['good', 'good']);
    });
  });

  describe('wait({ timeout })', () => {
    it('rejects with TimeoutError and leaves the job running', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('t1', 1);
      const job = flow.start('src', three, { jobId: 't1' });
      await expectRejects(job.wait({ timeout: 20 }), TimeoutError);
      expect(job.state.status).to.equal('running');
      expect(log).to.deep.equal(['work1']);
      g.resolve();
      expect((await job.wait({ timeout: 10_000 })).status).to.equal('completed');
    });
  });

  describe('execution timeout', () => {
    function slowFlow(options: FlowOptions) {
      const flow = new Flow(options);
      const seen: { signal?: AbortSignal } = {};
      flow.addRoutine(
        makeRoutine({
          trigger: (_d, ctx) =>
            new Promise<void>((resolve) => {
              seen.signal = ctx.signal;
              // Far longer than any timeout below, even on a loaded machine; the abort ends it.
              const t = setTimeout(resolve, 20_000);
              ctx.signal.addEventListener('abort', () => {
                clearTimeout(t);
                resolve();
              });
            }),
        }),
        'slow',
      );
      return { flow, seen };
    }

    it('the flow option fails the job with a TimeoutError recorded in its state and aborts running activations', async () => {
      const { flow, seen } = slowFlow({ executionTimeout: 30 });
      const t0 = performance.now();
      const state = await flow.execute('slow');
      // Settled by the 30 ms timeout, not by the 20 s activation (a generous bound: CI is slow).
      expect(performance.now() - t0).to.be.lessThan(5_000);
      expect(state.status).to.equal('failed');
      expect(state.error!.name).to.equal('TimeoutError');
      expect(seen.signal!.aborted).to.equal(true);
    });

    it('the execute option `timeout` does the same for one job', async () => {
      const { flow, seen } = slowFlow({});
      const state = await flow.execute('slow', {}, { timeout: 25 });
      expect(state.status).to.equal('failed');
      expect(state.error!.name).to.equal('TimeoutError');
      expect(seen.signal!.aborted).to.equal(true);
    });

    it('a job that finishes in time completes and stays completed', async () => {
      // Virtual time: on a loaded machine a real 5 ms handler could outlast a real 40 ms timeout.
      const ts = handScheduler();
      const flow = new Flow({ executionTimeout: 40, scheduler: ts });
      flow.addRoutine(makeRoutine({ trigger: () => timer(5, ts) }), 'quick');
      const job = flow.start('quick');
      runTo(ts, 10);
      await settle(ts, job.wait());
      expect(job.state.status).to.equal('completed');
      runTo(ts, 100); // well past the 40 ms timeout
      expect(job.state.status).to.equal('completed');
      expect(job.state.error).to.equal(undefined);
    });
  });

  describe('feeding a running job', () => {
    it('job.send queues an activation in that job', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('s1', 1);
      const job = flow.start('src', { items: [{ i: 1 }] }, { jobId: 's1' });
      await until(() => log.includes('work1'));
      job.send('sink', 'in', { i: 99 });
      g.resolve();
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(log).to.deep.equal(['work1', 'sink99', 'sink1']);
      expect(state.getRoutineState('sink')!.activations).to.equal(2);
    });

    it('job.send to an unknown routine or slot is a ConfigurationError', async () => {
      const flow = new Flow();
      flow.addRoutine(new Sink(), 'sink');
      const job = flow.open();
      expectThrows(() => job.send('ghost', 'in', {}), ConfigurationError, 'ghost');
      expectThrows(() => job.send('sink', 'nowhere', {}), ConfigurationError, 'nowhere');
      job.close();
      expect((await job.wait()).status).to.equal('completed');
    });

    it('job.input is an Observer; the job stays open until it completes', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(new Sink(log), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.start('src', { items: [{ n: 0 }] });
      const feed = new Subject<Payload>();
      feed.subscribe(job.input('sink', 'in'));
      await until(() => log.length === 1);
      feed.next({ n: 1 });
      // The sink takes it on a later turn: wait for that, not a fixed time (slow on a loaded machine).
      await until(() => log.length === 2, 10_000, 'the sink to take { n: 1 }');
      await sleep(15); // and the job stays open meanwhile: the input has not completed
      expect(job.state.status).to.equal('running');
      expect(log.map((s) => s.data.n)).to.deep.equal([0, 1]);
      feed.next({ n: 2 });
      feed.complete();
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(log.map((s) => s.data.n)).to.deep.equal([0, 1, 2]);
      expect(log.every((s) => s.jobId === job.jobId)).to.equal(true);
    });

    it('flow.open() starts a job with no entry activation that settles only after close()', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(new Sink(log), 'sink');
      const job = flow.open({ jobId: 'opened' });
      expect(job.jobId).to.equal('opened');
      await sleep(10);
      expect(['pending', 'running']).to.include(job.state.status);
      expect(log).to.have.length(0);
      job.send('sink', 'in', { a: 1 });
      await until(() => log.length > 0, 10_000, 'the sink to take what was sent');
      await sleep(10); // nothing else arrives, and the open job does not settle
      expect(log.map((s) => s.data)).to.deep.equal([{ a: 1 }]);
      expect(['pending', 'running']).to.include(job.state.status);
      job.close();
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(state.executionHistory.filter((r) => r.eventName === 'start')).to.deep.equal([]);
    });

    it('an open job closed with no input completes with nothing run', async () => {
      const flow = new Flow();
      const log: Seen[] = [];
      flow.addRoutine(new Sink(log), 'sink');
      const job = flow.open();
      job.close();
      const state = await job.wait();
      expect(state.status).to.equal('completed');
      expect(log).to.have.length(0);
    });
  });

  describe('control through the flow by job id', () => {
    it('flow.getJob, flow.pause, flow.resumeJob and flow.cancel act on that job', async () => {
      const { flow, log, gate } = pipeline();
      const g = gate('byid', 1);
      const job = flow.start('src', three, { jobId: 'byid' });
      expect(flow.getJob('byid')!.jobId).to.equal('byid');
      await until(() => log.includes('work1'));
      const pausing = flow.pause('byid', 'via flow', { k: 1 });
      expect(job.state.status).to.equal('paused');
      g.resolve();
      const paused = await pausing;
      expect(paused.pausePoints[0].reason).to.equal('via flow');
      flow.resumeJob('byid');
      expect(job.state.status).to.equal('running');
      const cancelled = await flow.cancel('byid', 'stop');
      expect(cancelled.status).to.equal('cancelled');
    });
  });
});
