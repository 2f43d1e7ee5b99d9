import { expect } from 'chai';
import fc from 'fast-check';
import { map, timer } from 'rxjs';
import { ErrorHandler, Flow, JobState, JobStateError, type ExecutionContext, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';
import { makeState } from '../fixtures/helpers.js';

// Session 11 adversarial review of the in-process engine (lib/runtime, lib/flow) after the
// performance work. Blocks named "FINDING:" failed on the tree they were written on (fixed
// since: CHANGELOG, "Fixed (eleventh session)"); the others pin behaviour the suite did not
// cover yet.

describe('FINDING: resuming a stale failed job whose id a new job took hides the running new job from the flow (job-registry resumed)', () => {
  it('a running job stays listed in flow.jobIds() and reachable by flow.getJob / flow.cancel', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 's11a-ids', scheduler: ts, maxWorkers: 2 });
      let fail = true;
      flow.addRoutine(makeRoutine({ trigger: () => { if (fail) throw new Error('boom'); } }), 'flaky');
      flow.addRoutine(makeRoutine({ trigger: () => new Promise(() => {}) }), 'hang');
      const old = flow.start('flaky', {}, { jobId: 'a' });
      flush();
      expect(old.state.status).to.equal('failed');
      // Allowed (README: a new job with a failed job's id replaces it).
      const fresh = flow.start('hang', {}, { jobId: 'a' });
      flush();
      expect(fresh.state.status).to.equal('running');
      fail = false;
      // Either refused, or both jobs keep working; what must not happen is a running job the flow no longer knows.
      let refused = false;
      try {
        old.resume();
      } catch (error) {
        refused = error instanceof JobStateError;
      }
      flush();
      expect(fresh.state.status).to.equal('running');
      if (!refused) expect(old.state.status).to.equal('completed');
      expect(flow.jobIds(), 'the running job is listed').to.deep.equal(['a']);
      expect(flow.getJob('a')?.state.status, 'flow.getJob finds the running job').to.equal('running');
    });
  });
});

describe('FINDING: a failed job resumed gets the time left at an EARLIER pause as its execution timeout (job-deadline: stop() keeps a stale `left`)', () => {
  /** Times (scheduler ms) at which the job failed with a TimeoutError. */
  function timeoutAt(pauseFirst: boolean): number[] {
    const ts = newTestScheduler();
    const at: number[] = [];
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 's11a-deadline', scheduler: ts, maxWorkers: 3, executionTimeout: 100 });
      let boom = true;
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => timer(10_000, ctx.scheduler), boom: () => { if (boom) throw new Error('boom'); } }), 'r');
      flow.inspect$.subscribe((r) => {
        if (r.type === 'job' && r.status === 'failed' && r.error?.name === 'TimeoutError') at.push(ts.now());
      });
      const job = flow.start('r', {}, { jobId: 't' });
      if (pauseFirst) {
        ts.schedule(() => void job.pause('p'), 30); // 30 ms used, 70 left
        ts.schedule(() => job.resume(), 50); // due at 120
      }
      ts.schedule(() => job.send('r', 'boom', {}), 60); // fails (STOP): 40 ms used with the pause, 60 without
      ts.schedule(() => {
        boom = false;
        job.resume();
      }, 200);
      flush();
    });
    return at;
  }

  it('without an earlier pause the resumed failed job gets its full timeout again (pin)', () => {
    expect(timeoutAt(false)).to.deep.equal([300]);
  });

  it('with an earlier pause it gets either its full timeout (300) or the time left at the failure (260), not the 70 ms left at the pause (270)', () => {
    expect(timeoutAt(true)).to.have.length(1);
    expect([260, 300]).to.include(timeoutAt(true)[0]);
  });
});

describe('TaskQueue against a model: pushes, shifts, extract and re-queue of jobs, across chunk boundaries (property)', () => {
  it('keeps every task exactly once, in FIFO order per queue, with its attempt, time, seq and merged payload', async () => {
    const { TaskQueue } = await import('../../lib/runtime/task-queue.js');
    const { Task } = await import('../../lib/runtime/task.js');
    const { WorkLedger } = await import('../../lib/runtime/work-ledger.js');
    const { Routine } = await import('../../lib/index.js');
    type JobLike = ConstructorParameters<typeof Task>[0];
    const routine = new Routine();
    const slot = routine.defineSlot('in');
    const event = routine.defineEvent('out');
    type Entry = { job: number; n: number; attempt: number; at: number; seq: number; merged?: Payload };
    const op = fc.oneof(
      fc.record({ kind: fc.constant('push' as const), job: fc.nat(2), count: fc.integer({ min: 1, max: 3000 }), attempt: fc.oneof(fc.constant(1), fc.integer({ min: 1, max: 2 ** 31 + 7 })), far: fc.boolean(), carried: fc.boolean() }),
      fc.record({ kind: fc.constant('shift' as const), count: fc.integer({ min: 1, max: 5000 }) }),
      fc.record({ kind: fc.constant('extract' as const), job: fc.nat(2), requeue: fc.boolean() }),
    );
    fc.assert(
      fc.property(fc.array(op, { minLength: 1, maxLength: 12 }), (ops) => {
        const q = new TaskQueue();
        const jobs = [0, 1, 2].map((id) => ({ id: `j${id}`, work: new WorkLedger() }) as unknown as JobLike);
        const model: Entry[] = [];
        let n = 0;
        const scratch = new Task(jobs[0], slot, {}, 1, 0, undefined);
        const check = (t: InstanceType<typeof Task>, e: Entry) => {
          const ok = t.job === jobs[e.job] && t.data.n === e.n && t.attempt === e.attempt && Object.is(t.enqueuedAt, e.at) && t.seq === e.seq && t.merged === e.merged;
          if (!ok) expect([t.job.id, t.data.n, t.attempt, t.enqueuedAt, t.seq, t.merged]).to.deep.equal([`j${e.job}`, e.n, e.attempt, e.at, e.seq, e.merged]);
        };
        for (const o of ops) {
          if (o.kind === 'push') {
            for (let k = 0; k < o.count; k++, n++) {
              const e: Entry = { job: o.job, n, attempt: o.attempt, at: o.far && k % 7 === 0 ? n * 1e9 + 0.5 : 1000 + n, seq: n % 5 === 0 ? 2 ** 32 + n : n + 1 };
              if (o.carried && k % 3 === 0) e.merged = { m: n };
              // (the same merged object is compared by identity below)
              q.push(jobs[e.job], q.route(slot, n % 2 === 0 ? event : undefined), { n }, e.attempt, e.at, e.seq, e.merged);
              model.push(e);
            }
          } else if (o.kind === 'shift') {
            for (let k = 0; k < o.count && q.size > 0; k++) {
              q.shiftInto(scratch);
              const e = model.shift()!;
              check(scratch, e);
              if (scratch.source !== (e.n % 2 === 0 ? event : undefined)) expect.fail(`task ${e.n}: wrong source`);
            }
          } else {
            const taken = q.extract(jobs[o.job]);
            const mine = model.filter((e) => e.job === o.job);
            expect(taken).to.have.length(mine.length);
            taken.forEach((t, i) => check(t, mine[i]));
            model.splice(0, model.length, ...model.filter((e) => e.job !== o.job));
            if (o.requeue) {
              for (const t of taken) q.pushTask(t);
              model.push(...mine);
            }
          }
          expect(q.size).to.equal(model.length);
          jobs.forEach((j, i) => expect(j.work.queued).to.equal(model.filter((e) => e.job === i).length));
        }
        while (q.size > 0) {
          q.shiftInto(scratch);
          check(scratch, model.shift()!);
        }
        expect(model).to.have.length(0);
      }),
      { numRuns: 25 },
    );
  });
});

describe('FINDING: when a synchronous handler pauses its own job, the state wait() and ctx.pause() resolve with lacks what that handler emits after pausing (resuming it from JSON loses that work)', () => {
  function build(got: unknown[], resolved: Array<Promise<JobState>>) {
    const flow = new Flow({ flowId: 's11a-selfpause' });
    flow.addRoutine(makeRoutine({
      trigger: (d: Payload, ctx: ExecutionContext) => {
        if (d.resumed) return;
        ctx.emit('out', { n: 1 });
        resolved.push(ctx.pause('review'));
        ctx.emit('out', { n: 2 }); // "running activations finish and what they emit is queued"
      },
    }), 's');
    flow.addRoutine(makeRoutine({ in: (d: Payload) => void got.push(d.n) }, []), 'k');
    flow.connect('s', 'out', 'k', 'in');
    return flow;
  }

  it('job.state is right (pin): both emits pending, pendingCount 2', async () => {
    const resolved: Array<Promise<JobState>> = [];
    const job = build([], resolved).start('s', {});
    await job.wait();
    await Promise.all(resolved);
    expect(job.state.pendingTasks.map((t) => t.data.n)).to.deep.equal([1, 2]);
    expect(job.state.pausePoints[0].pendingCount).to.equal(2);
  });

  it('the state job.wait() resolved with, saved as JSON and resumed in a fresh flow, delivers both emits', async () => {
    const resolved: Array<Promise<JobState>> = [];
    const job = build([], resolved).start('s', {}, { jobId: 'sp1' });
    const saved = JSON.stringify(await job.wait());
    const got: unknown[] = [];
    const again = build(got, []).resume(JobState.fromJSON(saved));
    expect((await again.wait()).status).to.equal('completed');
    expect(got).to.deep.equal([1, 2]);
  });

  it('the state ctx.pause() resolved with lists both emits as pending', async () => {
    const resolved: Array<Promise<JobState>> = [];
    await build([], resolved).start('s', {}).wait();
    const paused = await resolved[0];
    expect(paused.pendingTasks.map((t) => t.data.n)).to.deep.equal([1, 2]);
  });
});

let roundTrips = 0;

type Op = { at: number; job: number; kind: 'pause' | 'resume' | 'cancel' | 'roundtrip' };

function scenario(jobs: number[], ops: Op[], asyncEvery: number, retry: boolean, workers: number) {
  const ts = newTestScheduler();
  const seen = new Map<string, number[]>();
  const ids = new Map<string, string[]>();
  const finals = new Map<string, string>();
  ts.run(({ flush }) => {
    const mk = () => {
      const flow = new Flow({ flowId: 'mix', scheduler: ts, maxWorkers: workers, errorHandler: retry ? new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 3, backoffMultiplier: 2 }) : undefined });
      flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx) => { for (let n = 0; n < (d.count as number); n++) ctx.emit('out', { n }); } }), 'src');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx) => ctx.emit('out', d) }), 'mid');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => {
        const n = d.n as number;
        if (retry && n % 4 === 1 && ctx.attempt === 1) throw new Error('once');
        // (Recorded for synchronous activations only, as the comment below says: an in-flight
        // async one re-runs after a JSON round trip under its own id, at least once by design.)
        if (asyncEvery > 0 && n % asyncEvery === 0) return timer(2, ctx.scheduler);
        (ids.get(ctx.jobId) ?? ids.set(ctx.jobId, []).get(ctx.jobId)!).push(ctx.activationId);
        (seen.get(ctx.jobId) ?? seen.set(ctx.jobId, []).get(ctx.jobId)!).push(n);
        return undefined;
      } }, []), 'sink');
      flow.connect('src', 'out', 'mid', 'in');
      flow.connect('mid', 'out', 'sink', 'in');
      return flow;
    };
    // (async activations are not recorded: a JSON round trip re-runs in-flight ones, at least once by design)
    const flow = mk();
    const handles = new Map<number, ReturnType<Flow['start']>>();
    jobs.forEach((count, i) => handles.set(i, flow.start('src', { count }, { jobId: `j${i}` })));
    for (const op of ops) {
      ts.schedule(() => {
        const h = handles.get(op.job % jobs.length)!;
        const swallow = (p: Promise<unknown>) => void p.catch(() => {});
        try {
          if (op.kind === 'pause') swallow(h.pause('p'));
          else if (op.kind === 'resume') h.resume();
          else if (op.kind === 'cancel') swallow(h.cancel('c'));
          else if (h.state.status === 'paused') {
            const json = JSON.stringify(h.state);
            swallow(h.cancel('moved'));
            handles.set(op.job % jobs.length, flow2.resume(JobState.fromJSON(json)));
            roundTrips++;
          }
        } catch {
          /* refused transitions */
        }
      }, op.at);
    }
    const flow2 = mk();
    ts.schedule(() => {
      for (const h of handles.values()) if (h.state.status === 'paused') h.resume();
    }, 200);
    flush();
    for (const [i, h] of handles) finals.set(`j${i}`, h.state.status);
  });
  return { seen, ids, finals };
}

describe('many jobs on one flow interleaved with pause, resume, cancel and a JSON round trip to a second flow, with async activations and retries (property, virtual time)', () => {
  it('each surviving job completes with every item delivered once (FIFO with one worker and no retries); cancelled ones got a prefix without duplicates; activation ids unique', () => {
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 12 }), { minLength: 1, maxLength: 4 }),
        fc.array(fc.record({ at: fc.integer({ min: 0, max: 60 }), job: fc.nat(3), kind: fc.constantFrom('pause', 'resume', 'cancel', 'roundtrip') as fc.Arbitrary<Op['kind']> }), { maxLength: 8 }),
        fc.constantFrom(0, 2, 3),
        fc.boolean(),
        fc.constantFrom(1, 3),
        (jobs, ops, asyncEvery, retry, workers) => {
          const { seen, ids, finals } = scenario(jobs, ops, asyncEvery, retry, workers);
          jobs.forEach((count, i) => {
            const id = `j${i}`;
            const got = seen.get(id) ?? [];
            const status = finals.get(id);
            const all = ids.get(id) ?? [];
            expect(new Set(all).size, `${id} activation ids unique: ${all}`).to.equal(all.length);
            if (status === 'cancelled') {
              expect(new Set(got).size, `${id} dup ${got}`).to.equal(got.length);
              return;
            }
            expect(status, id).to.equal('completed');
            const sorted = [...got].sort((a, b) => a - b);
            const expected = Array.from({ length: count }, (_, n) => n).filter((n) => !(asyncEvery > 0 && n % asyncEvery === 0));
            expect(sorted, `${id} ${JSON.stringify({ jobs, ops, asyncEvery, retry, workers })}`).to.deep.equal(expected);
            if (!retry && workers === 1) expect(got, `${id} order`).to.deep.equal(expected);
          });
        },
      ),
      // (The example moves a job paused with async work in flight: the random runs hit a paused
      // job at a round trip only most of the time, and the check below is that one was moved.)
      { numRuns: 100, examples: [[[12], [{ at: 1, job: 0, kind: 'pause' }, { at: 5, job: 0, kind: 'roundtrip' }], 2, false, 1]] },
    );
    expect(roundTrips, 'some runs moved a paused job to the second flow').to.be.greaterThan(0);
  });
});

describe('retries with backoff, timeouts and scratch-task aliasing in virtual time (marbles)', () => {
  it('retry backoff: paused time does not count (marble)', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 'rb', scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 10 }) });
      const at: Array<[number, number]> = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { at.push([ts.now(), ctx.attempt]); if (ctx.attempt === 1) throw new Error('x'); } }), 'r');
      const job = flow.start('r', {}, { jobId: 'a' });
      let pendingAtPause: JobState | undefined;
      ts.schedule(() => { void job.pause('p'); pendingAtPause = job.state; }, 4);
      ts.schedule(() => job.resume(), 20);
      flush();
      expect(at).to.deep.equal([[0, 1], [26, 2]]);
      expect(pendingAtPause!.pendingTasks[0]).to.include({ attempt: 2, delayLeft: 6 });
    });
  });

  it('retry backoff: restored from JSON of a paused job in another flow waits what was left', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const at: Array<[string, number, number, string]> = [];
      const mk = (tag: string) => {
        const flow = new Flow({ flowId: 'rb2', scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 10 }) });
        flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { at.push([tag, ts.now(), ctx.attempt, ctx.activationId]); if (ctx.attempt === 1) throw new Error('x'); } }), 'r');
        return flow;
      };
      const f1 = mk('f1');
      const f2 = mk('f2');
      const job = f1.start('r', {}, { jobId: 'a' });
      let json = '';
      ts.schedule(() => { void job.pause('p'); json = JSON.stringify(job.state); }, 4);
      ts.schedule(() => void f2.resume(JobState.fromJSON(json)), 30);
      flush();
      expect(at).to.deep.equal([['f1', 0, 1, 'a/1'], ['f2', 36, 2, 'a/1']]);
    });
  });

  it('retry backoff: crash-restored (snapshot while waiting) runs at the saved due time', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const at: Array<[string, number, number]> = [];
      const mk = (tag: string) => {
        const flow = new Flow({ flowId: 'rb3', scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 10 }) });
        flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { at.push([tag, ts.now(), ctx.attempt]); if (ctx.attempt === 1) throw new Error('x'); } }), 'r');
        return flow;
      };
      const f1 = mk('f1');
      const f2 = mk('f2');
      const job = f1.start('r', {}, { jobId: 'a' });
      ts.schedule(() => {
        const json = JSON.stringify(job.state);
        void job.cancel();
        f2.resume(JobState.fromJSON(json));
      }, 4);
      flush();
      expect(at).to.deep.equal([['f1', 0, 1], ['f2', 10, 2]]);
    });
  });

  it('async handler that fails after the loop moved on retries with its own payload and id', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 'al', scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 1 }) });
      const seen: Array<[number, number, string, number]> = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx) => { for (let n = 0; n < 5; n++) ctx.emit('out', { n }); } }), 's');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => {
        seen.push([d.n as number, ctx.attempt, ctx.activationId, ts.now()]);
        if (ctx.attempt === 1 && d.n === 1) return timer(3, ctx.scheduler).pipe(map(() => { throw new Error('late'); }));
        return undefined;
      } }, []), 'k');
      flow.connect('s', 'out', 'k', 'in');
      flow.setExecutionStrategy('concurrent', 4);
      const job = flow.start('s', {}, { jobId: 'z' });
      flush();
      expect(job.state.status).to.equal('completed');
      const retried = seen.filter(([n]) => n === 1);
      expect(retried.map(([, a, id]) => [a, id])).to.deep.equal([[1, 'z/3'], [2, 'z/3']]);
      expect(job.state.tracker!.records.filter((r) => r.status === 'failed').map((r) => [r.slotName, r.attempt])).to.deep.equal([['in', 1]]);
    });
  });

  it('a job paused inside its handler and resumed inside another job handler keeps FIFO', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 'pr', scheduler: ts });
      const seen: string[] = [];
      const handles = new Map<string, ReturnType<Flow['start']>>();
      flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx) => { for (let n = 0; n < 4; n++) ctx.emit('out', { n }); } }), 's');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => {
        seen.push(`${ctx.jobId}:${d.n}`);
        if (ctx.jobId === 'A' && d.n === 1) void handles.get('A')!.pause('self');
        if (ctx.jobId === 'B' && d.n === 2) handles.get('A')!.resume();
      } }, []), 'k');
      flow.connect('s', 'out', 'k', 'in');
      handles.set('A', flow.start('s', {}, { jobId: 'A' }));
      handles.set('B', flow.start('s', {}, { jobId: 'B' }));
      flush();
      expect(handles.get('A')!.state.status).to.equal('completed');
      expect(handles.get('B')!.state.status).to.equal('completed');
      expect(seen.filter((s) => s.startsWith('A'))).to.deep.equal(['A:0', 'A:1', 'A:2', 'A:3']);
      expect(seen).to.deep.equal(['A:0', 'A:1', 'B:0', 'B:1', 'B:2', 'B:3', 'A:2', 'A:3']);
    });
  });
});

describe('attempts beyond Int8/Int32 and activation numbers beyond 2^32 through restore, dispatch, pause and JSON', () => {
  it('restored attempts and huge seqs reach the handler, tracker and new ids', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 'big', scheduler: ts, errorHandler: new ErrorHandler({ strategy: 'continue' }) });
      const seen: Array<[unknown, number, string, number]> = [];
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => { seen.push([d.n, ctx.attempt, ctx.activationId, ctx.now()]); if ((d.n as number) < 3) for (let k = 0; k < 3; k++) ctx.emit('out', { n: 10 + k }); } }), 'r');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => { seen.push([d.n, ctx.attempt, ctx.activationId, ctx.now()]); } }, []), 'k');
      flow.connect('r', 'out', 'k', 'in');
      const base = 2 ** 32 - 2;
      const tasks = [
        { routineId: 'r', slotName: 'in', data: { n: 0 }, attempt: 200, enqueuedAt: 0.5, seq: base - 1 },
        { routineId: 'r', slotName: 'in', data: { n: 1 }, attempt: 2 ** 31, enqueuedAt: -3, seq: base },
        { routineId: 'r', slotName: 'in', data: { n: 2 }, attempt: 2 ** 31 + 5, enqueuedAt: 8e12, seq: base - 5, merged: { n: 2 } },
      ];
      const state = makeState('big1', { flowId: 'big', pendingTasks: tasks as never, activationSeq: base } as never);
      const job = flow.resume(JobState.fromJSON(JSON.stringify(state)));
      flush();
      const final = job.state;
      expect(final.status).to.equal('completed');
      expect(seen.slice(0, 3).map(([n, a, id]) => [n, a, id])).to.deep.equal([[0, 200, `big1/${base - 1}`], [1, 2 ** 31, `big1/${base}`], [2, 2 ** 31 + 5, `big1/${base - 5}`]]);
      const ids = seen.map(([, , id]) => id);
      expect(new Set(ids).size).to.equal(ids.length);
      expect(seen.slice(3).map(([, , id]) => Number(id.split('/')[1]))).to.deep.equal(Array.from({ length: 9 }, (_, i) => base + 1 + i));
      expect(final.activationSeq).to.equal(base + 9);
      expect(final.tracker!.records.slice(0, 3).map((r) => r.attempt)).to.deep.equal([200, 2 ** 31, 2 ** 31 + 5]);
    });
  });

  it('pause mid-way with huge seqs: pendingTasks seq/attempt/enqueuedAt exact, resume from JSON runs the rest once', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const seen: string[] = [];
      const mk = () => {
        const flow = new Flow({ flowId: 'big2', scheduler: ts });
        flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx: ExecutionContext) => { for (let k = 0; k < 6; k++) ctx.emit('out', { k }); } }), 's');
        flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => { seen.push(`${d.k}@${ctx.activationId}`); if (d.k === 1 && !seen.includes('paused')) { seen.push('paused'); void ctx.pause(); } } }, []), 'k');
        flow.connect('s', 'out', 'k', 'in');
        return flow;
      };
      const state = makeState('big2j', { flowId: 'big2', activationSeq: 2 ** 32 - 3, pendingTasks: [{ routineId: 's', slotName: 'trigger', data: {}, attempt: 1, enqueuedAt: 0, seq: 2 ** 32 - 3 }] as never } as never);
      const f1 = mk();
      const job = f1.resume(JobState.fromJSON(JSON.stringify(state)));
      flush();
      const paused = job.state;
      expect(paused.status).to.equal('paused');
      expect(paused.pendingTasks.map((t) => t.seq)).to.deep.equal([2 ** 32, 2 ** 32 + 1, 2 ** 32 + 2, 2 ** 32 + 3]);
      const f2 = mk();
      const j2 = f2.resume(JobState.fromJSON(JSON.stringify(paused)));
      flush();
      expect(j2.state.status).to.equal('completed');
      expect(seen).to.deep.equal([`0@big2j/${2 ** 32 - 2}`, `1@big2j/${2 ** 32 - 1}`, 'paused', ...[2, 3, 4, 5].map((k, i) => `${k}@big2j/${2 ** 32 + i}`)]);
    });
  });
});

describe('activation timeout with RETRY in virtual time (marbles)', () => {
  it('an activation timeout fails the attempt at its frame, its observable is dropped, and the retry runs after the backoff', () => {
    const ts = newTestScheduler();
    ts.run(({ flush }) => {
      const flow = new Flow({ flowId: 'at', scheduler: ts, activationTimeout: 5, errorHandler: new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 3 }) });
      const seen: Array<[number, number]> = [];
      const late: number[] = [];
      flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { seen.push([ts.now(), ctx.attempt]); return timer(ctx.attempt === 1 ? 10 : 2, ctx.scheduler).pipe(map(() => late.push(ts.now()))); } }), 'r');
      const job = flow.start('r', {}, { jobId: 'a' });
      flush();
      expect(seen).to.deep.equal([[0, 1], [8, 2]]);
      expect(late, 'only the retry emitted: the timed-out attempt (due at 10 too) was unsubscribed').to.deep.equal([10]);
      expect(job.state.status).to.equal('completed');
      expect(job.state.tracker!.records.map((r) => [r.startTime, r.endTime, r.status, r.attempt])).to.deep.equal([[0, 5, 'failed', 1], [8, 10, 'completed', 2]]);
    });
  });
});
