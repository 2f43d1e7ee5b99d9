import { expect } from 'chai';
import { mergeMap, tap, throwError, timer } from 'rxjs';
import { ErrorHandler, ExecutionTracker, Flow, type Payload } from '../../lib/index.js';
import { Relay, Sink, Source, makeRoutine, newTestScheduler } from '../helpers/routines.js';
import { diffJobStates } from '../../lib/state/job-journal.js';

describe('ExecutionTracker', () => {
  it('routine and flow figures match a known run: 4 activations, 3 completed, 1 failed → successRate 0.75', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(new Source(), 'src');
      const work = makeRoutine(
        {
          // durations 10, 5 (then fails), 20, 30 frames
          in: (d: Payload) => (d.fail ? timer(d.ms as number).pipe(mergeMap(() => throwError(() => new Error('bad item')))) : timer(d.ms as number)),
        },
        [],
      );
      work.setAsOptional();
      flow.addRoutine(work, 'work');
      flow.connect('src', 'out', 'work', 'in');
      const job = flow.start('src', { items: [{ ms: 10 }, { ms: 5, fail: true }, { ms: 20 }, { ms: 30 }] });
      flush();
      expect(job.state.status).to.equal('completed');
      expect(job.tracker).to.be.instanceOf(ExecutionTracker);
      expect(job.tracker.getRoutinePerformance('work')).to.deep.equal({
        totalExecutions: 4,
        completed: 3,
        failed: 1,
        successRate: 0.75,
        avgExecutionTime: 16.25,
        minExecutionTime: 5,
        maxExecutionTime: 30,
      });
      expect(job.tracker.getRoutinePerformance('src')).to.deep.include({ totalExecutions: 1, completed: 1, failed: 0, successRate: 1 });
      expect(job.tracker.getRoutinePerformance('nobody')).to.equal(undefined);
      expect(job.tracker.getFlowPerformance()).to.deep.equal({
        totalRoutines: 2,
        totalExecutions: 5,
        totalEvents: 4,
        totalExecutionTime: 65,
      });
    });
  });

  it('eventFlow lists every delivery: source event to target slot, with scheduler timestamps', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => timer(7).pipe(tap(() => ctx.emit('out', d))) }), 'mid');
      flow.addRoutine(new Sink(), 'a');
      flow.addRoutine(new Sink(), 'b');
      flow.connect('src', 'out', 'mid', 'in');
      flow.connect('mid', 'out', 'a', 'in');
      flow.connect('mid', 'out', 'b', 'in');
      const job = flow.start('src', { x: 1 });
      flush();
      expect(job.state.status).to.equal('completed');
      expect(job.tracker.eventFlow.map((e) => ({ ...e }))).to.deep.equal([
        { timestamp: 0, sourceRoutineId: 'src', eventName: 'out', targetRoutineId: 'mid', slotName: 'in' },
        { timestamp: 7, sourceRoutineId: 'mid', eventName: 'out', targetRoutineId: 'a', slotName: 'in' },
        { timestamp: 7, sourceRoutineId: 'mid', eventName: 'out', targetRoutineId: 'b', slotName: 'in' },
      ]);
      expect(job.tracker.getFlowPerformance()).to.deep.include({ totalRoutines: 4, totalExecutions: 4, totalEvents: 3 });
    });
  });

  it('records one record per attempt: retries count as executions, a thrown attempt counts as failed', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const r = makeRoutine({
        trigger: (_d, ctx) => {
          if (ctx.attempt < 3) throw new Error(`attempt ${ctx.attempt}`);
        },
      });
      r.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 10, backoffMultiplier: 1 }));
      flow.addRoutine(r, 'r');
      const job = flow.start('r');
      flush();
      expect(job.state.status).to.equal('completed');
      expect(job.tracker.getRoutinePerformance('r')).to.deep.include({ totalExecutions: 3, completed: 1, failed: 2 });
      expect(job.tracker.getRoutinePerformance('r')!.successRate).to.be.closeTo(1 / 3, 1e-9);
      const recs = job.tracker.records.map((x) => [x.routineId, x.slotName, x.attempt, x.status, x.startTime]);
      expect(recs).to.deep.equal([
        ['r', 'trigger', 1, 'failed', 0],
        ['r', 'trigger', 2, 'failed', 10],
        ['r', 'trigger', 3, 'completed', 20],
      ]);
    });
  });

  it('is per job, while routine.stats() counts activations, emits and errors over all jobs', async () => {
    const flow = new Flow();
    const relay = new Relay();
    flow.addRoutine(new Source(), 'src');
    flow.addRoutine(relay, 'relay');
    const fragile = makeRoutine({
      in: (d: Payload) => {
        if (d.n === 2) throw new Error('two');
      },
    }, []);
    fragile.setAsOptional();
    flow.addRoutine(fragile, 'fragile');
    flow.connect('src', 'out', 'relay', 'in');
    flow.connect('relay', 'out', 'fragile', 'in');
    const j1 = flow.start('src', { items: [{ n: 1 }, { n: 2 }] });
    const j2 = flow.start('src', { items: [{ n: 2 }, { n: 3 }, { n: 4 }] });
    await Promise.all([j1.wait(), j2.wait()]);
    expect(j1.tracker.getRoutinePerformance('relay')).to.deep.include({ totalExecutions: 2, completed: 2 });
    expect(j2.tracker.getRoutinePerformance('relay')).to.deep.include({ totalExecutions: 3, completed: 3 });
    expect(j1.tracker.getRoutinePerformance('fragile')).to.deep.include({ totalExecutions: 2, completed: 1, failed: 1, successRate: 0.5 });
    expect(j2.tracker.getRoutinePerformance('fragile')).to.deep.include({ totalExecutions: 3, completed: 2, failed: 1 });
    expect(j1.tracker.getFlowPerformance()).to.deep.include({ totalRoutines: 3, totalExecutions: 5, totalEvents: 4 });
    expect(j2.tracker.getFlowPerformance()).to.deep.include({ totalRoutines: 3, totalExecutions: 7, totalEvents: 6 });
    expect(j1.tracker).to.not.equal(j2.tracker);
    expect(relay.stats()).to.include({ activations: 5, emits: 5, errors: 0 });
    expect(fragile.stats()).to.include({ activations: 5, emits: 0, errors: 2 });
    expect(flow.getRoutine('src')!.stats()).to.include({ activations: 2, emits: 5, errors: 0 });
  });

  it('historyLimit caps tracker records and eventFlow (newest kept) while the figures stay exact', async () => {
    const flow = new Flow({ historyLimit: 3 });
    flow.addRoutine(new Source(), 'src');
    flow.addRoutine(new Sink(), 'sink');
    flow.connect('src', 'out', 'sink', 'in');
    const job = flow.start('src', { items: Array.from({ length: 10 }, (_, n) => ({ n })) });
    await job.wait();
    expect(job.tracker.records).to.have.length(3);
    expect(job.tracker.eventFlow).to.have.length(3);
    expect(job.tracker.records.every((r) => r.routineId === 'sink')).to.equal(true);
    expect(job.tracker.getRoutinePerformance('sink')).to.deep.include({ totalExecutions: 10, completed: 10 });
    expect(job.tracker.getFlowPerformance()).to.deep.include({ totalRoutines: 2, totalExecutions: 11, totalEvents: 10 });
  });

  it('a job that never ran a routine has no figures for it and zero flow totals before it starts', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(new Sink(), 'sink');
      const job = flow.start('src');
      expect(job.tracker.getFlowPerformance()).to.deep.equal({ totalRoutines: 0, totalExecutions: 0, totalEvents: 0, totalExecutionTime: 0 });
      flush();
      expect(job.tracker.getRoutinePerformance('sink')).to.equal(undefined);
      expect(job.tracker.getFlowPerformance()).to.deep.equal({ totalRoutines: 1, totalExecutions: 1, totalEvents: 0, totalExecutionTime: 0 });
      expect(job.tracker.records).to.have.length(1);
      expect(job.tracker.eventFlow).to.deep.equal([]);
    });
  });
  it('successive reads share the records they have in common, so a journal entry holds only the new ones (equal deliveries included)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      // Virtual time: every record has timestamp 0, and every delivery on one connection is the
      // same values. Told apart by identity only: rebuilt records made each entry the whole list.
      const flow = new Flow({ scheduler, historyLimit: 8 });
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(new Sink(), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.open();
      const batch = () => ({ items: Array.from({ length: 5 }, () => ({ same: true })) });
      job.send('src', 'trigger', batch());
      flush();
      const before = job.state;
      const records = job.tracker.records;
      expect(job.tracker.records[0]).to.equal(records[0]); // one object, read twice
      job.send('src', 'trigger', batch());
      flush();
      const after = job.state;
      // 6 attempts and 5 deliveries before; 6 and 5 more after, capped at 8 each.
      const change = diffJobStates(before, after).fields.tracker as { parts: Record<string, unknown> };
      expect(change.parts.records).to.deep.equal({ drop: 4, append: after.tracker!.records.slice(2) });
      expect(change.parts.eventFlow).to.deep.equal({ drop: 2, append: after.tracker!.eventFlow.slice(3) });
      expect(after.tracker!.records[0]).to.equal(before.tracker!.records[4]);
    });
  });
});
