import { expect } from 'chai';
import { from, Subject, tap, timer, throwError } from 'rxjs';
import { ErrorHandler, Flow, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

describe('failure while other activations are in flight, then job.resume()', () => {
  /**
   * DESIGN §3: "STOP: the job fails at once; in-flight activations get their signal aborted; queued tasks stay in
   * `pendingTasks` ... (`flow.resume` re-runs the failed activation)". Issue 5: "the activations that were running
   * (at-least-once)". Nothing may be lost and, as none of the interrupted ones emitted, nothing duplicated.
   */
  it('PASSES (pin): concurrent N=3: in-flight ones are aborted, re-run on resume; sink sees each item exactly once', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 3 });
      const sink: Array<[number, unknown]> = [];
      const aborts: Array<[number, unknown]> = [];
      let broken = true;
      flow.addRoutine(
        makeRoutine({
          trigger: (_d: Payload, ctx: ExecutionContext) => {
            ctx.emit('bad', {});
            for (let i = 1; i <= 4; i++) ctx.emit('work', { i });
          },
        }, ['bad', 'work']),
        'src',
      );
      flow.addRoutine(makeRoutine({ in: () => timer(5).pipe(tap(() => { if (broken) throw new Error('boom'); })) }, []), 'bad');
      flow.addRoutine(
        makeRoutine({
          in: (d: Payload, ctx: ExecutionContext) => {
            ctx.signal.addEventListener('abort', () => aborts.push([scheduler.now(), d.i]));
            return timer(10).pipe(tap(() => ctx.emit('out', d)));
          },
        }),
        'work',
      );
      flow.addRoutine(makeRoutine({ in: (d: Payload) => void sink.push([scheduler.now(), d.i]) }, []), 'sink');
      flow.connect('src', 'bad', 'bad', 'in');
      flow.connect('src', 'work', 'work', 'in');
      flow.connect('work', 'out', 'sink', 'in');
      const job = flow.start('src');
      let failed: any;
      scheduler.schedule(() => {
        failed = job.state;
      }, 6);
      scheduler.schedule(() => {
        broken = false;
        job.resume();
      }, 50);
      flush();
      expect(failed.status).to.equal('failed');
      expect(failed.failedTask.routineId).to.equal('bad');
      expect(failed.runningTasks.map((t: any) => t.data.i)).to.deep.equal([1, 2]);
      expect(failed.pendingTasks.map((t: any) => t.data.i)).to.deep.equal([3, 4]);
      expect(aborts).to.deep.equal([[5, 1], [5, 2]]);
      expect(sink.map(([, i]) => i).sort()).to.deep.equal([1, 2, 3, 4]);
      expect(job.state.status).to.equal('completed');
    });
  });

  /**
   * Issue 6: "`job.input(routineId, slotName)` is an Observer ... the job stays open until the source completes, and
   * a source error is handled by the slot routine's error policy." DESIGN §3: open() "settles only after close() and
   * once its inputs completed and its work is done".
   */
  it('PASSES (pin): open() + input error under CONTINUE: the error is recorded, other inputs keep the job open, close() settles it', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const seen: unknown[] = [];
      const r = makeRoutine({ in: (d: Payload) => void seen.push(d.v) }, []);
      r.setAsOptional();
      flow.addRoutine(r, 'r');
      const job = flow.open();
      const bad = new Subject<Payload>();
      const good = new Subject<Payload>();
      bad.subscribe(job.input('r', 'in'));
      good.subscribe(job.input('r', 'in'));
      const statuses: Array<[number, string]> = [];
      scheduler.schedule(() => bad.next({ v: 1 }), 5);
      scheduler.schedule(() => bad.error(new Error('source broke')), 10);
      scheduler.schedule(() => statuses.push([scheduler.now(), job.state.status]), 20);
      scheduler.schedule(() => good.next({ v: 2 }), 30);
      scheduler.schedule(() => good.complete(), 40);
      scheduler.schedule(() => statuses.push([scheduler.now(), job.state.status]), 50);
      scheduler.schedule(() => job.close(), 60);
      flush();
      expect(seen).to.deep.equal([1, 2]);
      expect(statuses).to.deep.equal([[20, 'running'], [50, 'running']]);
      expect(job.state.status).to.equal('completed');
      // the error is recorded in history; the routine's latest outcome is the later successful activation
      const errors = job.state.getExecutionHistory('r').filter((h) => h.eventName === 'error');
      expect(errors.map((h) => (h.data as Payload).error)).to.deep.equal(['source broke']);
      expect(job.state.getRoutineState('r')?.errors).to.equal(1);
    });
  });

  /**
   * Same contract, under STOP: the job fails; after resume the still-open input keeps it open, and values the open
   * input delivers after the resume are processed. Values that arrived while the job was failed must not vanish
   * silently (DESIGN §3 "queued tasks stay in pendingTasks so the job can be inspected and resumed").
   */
  it('FAILS: values sent through a still-open job.input while the job is failed are kept for resume (not silently dropped)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      const seen: unknown[] = [];
      let broken = true;
      flow.addRoutine(makeRoutine({ in: (d: Payload) => { if (broken && d.v === 1) throw new Error('bad value'); seen.push(d.v); } }, []), 'r');
      const job = flow.open();
      const src = new Subject<Payload>();
      src.subscribe(job.input('r', 'in'));
      scheduler.schedule(() => src.next({ v: 1 }), 5);
      scheduler.schedule(() => src.next({ v: 2 }), 10); // job is failed now
      let during: unknown;
      scheduler.schedule(() => (during = [job.state.status, job.state.pendingTasks.map((t) => t.data.v)]), 15);
      scheduler.schedule(() => { broken = false; job.resume(); }, 20);
      scheduler.schedule(() => src.next({ v: 3 }), 30);
      scheduler.schedule(() => src.complete(), 35);
      scheduler.schedule(() => job.close(), 40);
      flush();
      expect(during).to.deep.equal(['failed', [2]]);
      expect(seen).to.deep.equal([1, 2, 3]);
      expect(job.state.status).to.equal('completed');
    });
  });

  it('PASSES (pin): an input erroring under STOP fails the job with the error; resume waits for close() (open hold kept)', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ in: () => undefined }, []), 'r');
      const job = flow.open();
      from([{ v: 1 }]).subscribe(job.input('r', 'in'));
      throwError(() => new TypeError('src')).subscribe(job.input('r', 'in'));
      let failed: any;
      let mid = '';
      scheduler.schedule(() => (failed = job.state), 1);
      scheduler.schedule(() => job.resume(), 2);
      scheduler.schedule(() => (mid = job.state.status), 10);
      scheduler.schedule(() => job.close(), 20);
      flush();
      expect(failed.status).to.equal('failed');
      expect(failed.error).to.deep.include({ name: 'TypeError', message: 'src', routineId: 'r' });
      expect(mid).to.equal('running');
      expect(job.state.status).to.equal('completed');
    });
  });
});

describe('several jobs on one flow (maxWorkers 2): paused, failed, cancelled, plus a healthy one', () => {
  /** DESIGN §3 Ordering: "With N workers, tasks start in FIFO order and at most N run at once, per flow, across all its jobs." */
  it('PASSES (pin): worker accounting stays exact; the healthy job and a later job finish; max in flight never exceeds 2', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 2 });
      let inFlight = 0;
      let maxInFlight = 0;
      const starts: Array<[string, number, number]> = [];
      const failing = new Set(['F']);
      flow.addRoutine(
        makeRoutine({
          trigger: (d: Payload, ctx: ExecutionContext) => {
            for (let k = 0; k < 3; k++) ctx.emit('out', { tag: d.tag, k });
          },
        }),
        'src',
      );
      flow.addRoutine(
        makeRoutine({
          in: (d: Payload) => {
            inFlight++;
            maxInFlight = Math.max(maxInFlight, inFlight);
            starts.push([d.tag as string, d.k as number, scheduler.now()]);
            return timer(10).pipe(
              tap({
                next: () => {
                  if (failing.has(d.tag as string) && d.k === 1) throw new Error('F fails');
                },
                finalize: () => inFlight--,
              }),
            );
          },
        }, []),
        'work',
      );
      flow.connect('src', 'out', 'work', 'in');
      const P = flow.start('src', { tag: 'P' });
      const F = flow.start('src', { tag: 'F' });
      const C = flow.start('src', { tag: 'C' });
      const H = flow.start('src', { tag: 'H' });
      scheduler.schedule(() => void P.pause('p'), 1);
      scheduler.schedule(() => void C.cancel('c'), 12);
      let late: any;
      scheduler.schedule(() => (late = flow.start('src', { tag: 'L' })), 15);
      flush();
      expect(maxInFlight).to.be.at.most(2);
      expect(P.state.status).to.equal('paused');
      expect(F.state.status).to.equal('failed');
      expect(C.state.status).to.equal('cancelled');
      expect(H.state.status).to.equal('completed');
      expect(late.state.status).to.equal('completed');
      // P keeps its queue, F keeps its unfinished work
      expect(P.state.pendingTasks.length).to.be.greaterThan(0);
      // resume P: everything of P runs, in order, exactly once
      P.resume();
      flush();
      expect(P.state.status).to.equal('completed');
      expect(starts.filter(([t]) => t === 'P').map(([, k]) => k)).to.deep.equal([0, 1, 2]);
      expect(starts.filter(([t]) => t === 'H').map(([, k]) => k)).to.deep.equal([0, 1, 2]);
      expect(starts.filter(([t]) => t === 'L').map(([, k]) => k)).to.deep.equal([0, 1, 2]);
      // FIFO across jobs: start times are non-decreasing in start order
      const times = starts.map(([, , t]) => t);
      expect(times).to.deep.equal([...times].sort((a, b) => a - b));
    });
  });
});
