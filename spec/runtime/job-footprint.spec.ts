import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { JobRegistry } from '../../lib/runtime/job-registry.js';
import type { JobRuntime } from '../../lib/runtime/job-runtime.js';
import { NO_ITEMS, NO_SHARED } from '../../lib/runtime/no-items.js';
import { checkpointTapOf, holdCheckpoints, setCheckpointTap, tapCheckpoint } from '../../lib/runtime/checkpoint-tap.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

/**
 * What a small job keeps was cut (issue 21, many_jobs): the registry threads live jobs through
 * the jobs themselves and indexes ids only when asked; rarely written lists start as one frozen
 * empty list; common routine views and totals are frozen objects shared per routine. Each must
 * be unobservable: these specs pin the behaviour they replaced.
 */
describe('a small job’s footprint, unobservably smaller', () => {
  /** A stand-in runtime: the registry reads only the id, the status and its list links. */
  function fakeJob(id: string): JobRuntime {
    return { id, status: 'running', live: false, livePrev: undefined, liveNext: undefined } as unknown as JobRuntime;
  }

  it('JobRegistry behaves as a Map of live jobs by id, in order, for any mix of generated and given ids (property)', () => {
    type Op = { kind: 'generated' } | { kind: 'named'; id: number } | { kind: 'end'; pick: number; failed: boolean } | { kind: 'resume'; pick: number } | { kind: 'lookup'; id: number };
    const op: fc.Arbitrary<Op> = fc.oneof(
      fc.constant({ kind: 'generated' as const }),
      fc.record({ kind: fc.constant('named' as const), id: fc.integer({ min: 0, max: 5 }) }),
      fc.record({ kind: fc.constant('end' as const), pick: fc.nat(), failed: fc.boolean() }),
      fc.record({ kind: fc.constant('resume' as const), pick: fc.nat() }),
      fc.record({ kind: fc.constant('lookup' as const), id: fc.integer({ min: 0, max: 5 }) }),
    );
    fc.assert(
      fc.property(fc.array(op, { maxLength: 40 }), (ops) => {
        const registry = new JobRegistry('f', (id) => fakeJob(id));
        const model = new Map<string, JobRuntime>();
        const failed: JobRuntime[] = [];
        for (const o of ops) {
          if (o.kind === 'generated') {
            const job = registry.create(undefined, undefined);
            expect(model.has(job.id)).to.equal(false);
            model.set(job.id, job);
          } else if (o.kind === 'named') {
            const id = `n${o.id}`;
            if (model.has(id)) expect(() => registry.create(id, undefined)).to.throw(/already has a live job/);
            else model.set(id, registry.create(id, undefined));
          } else if (o.kind === 'end' && model.size > 0) {
            const job = [...model.values()][o.pick % model.size];
            (job as { status: string }).status = o.failed ? 'failed' : 'completed';
            registry.ended(job);
            model.delete(job.id);
            if (o.failed) failed.push(job);
          } else if (o.kind === 'resume' && failed.length > 0) {
            const job = failed.splice(o.pick % failed.length, 1)[0];
            if (registry.lookup(job.id) !== job) continue; // replaced by a new job with its id
            (job as { status: string }).status = 'running';
            registry.resumed(job);
            model.delete(job.id); // a Map would move it to the end
            model.set(job.id, job);
          } else if (o.kind === 'lookup') {
            const id = `n${o.id}`;
            if (model.has(id)) expect(registry.lookup(id)).to.equal(model.get(id));
          }
          expect(registry.ids()).to.deep.equal([...model.keys()]);
        }
        for (const [id, job] of model) expect(registry.lookup(id)).to.equal(job);
      }),
      { numRuns: 300 },
    );
  });

  it('a generated id can still be looked up, and a given id equal to a live generated one is refused', async () => {
    const flow = new Flow();
    flow.addRoutine(makeRoutine({ trigger: () => undefined }, []), 'r');
    const first = flow.open();
    const second = flow.open();
    expect(flow.jobIds()).to.deep.equal([first.jobId, second.jobId]);
    expect(flow.getJob(second.jobId)).to.equal(second);
    expect(() => flow.start('r', {}, { jobId: first.jobId })).to.throw(/already has a live job/);
    first.close();
    await first.wait();
    expect(flow.jobIds()).to.deep.equal([second.jobId]);
    expect(flow.getJob(first.jobId)).to.equal(undefined);
    second.close();
    await second.wait();
    expect(flow.jobIds()).to.deep.equal([]);
  });

  it("a job's first write to a list or to shared data is its own: other jobs, and the shared empty values, stay empty", async () => {
    class Writer extends Routine {
      constructor() {
        super();
        this.defineSlot<{ write: boolean }>('trigger', (d, ctx) => {
          if (!d.write) return;
          this.sendOutput('report', { n: 1 });
          ctx.setSharedData('k', 1);
          void ctx.pause('look', { at: 1 });
        });
      }
    }
    const flow = new Flow();
    flow.addRoutine(new Writer(), 'r');
    const writer = flow.start('r', { write: true });
    const quiet = flow.start('r', { write: false });
    const paused = await writer.wait();
    const done = await quiet.wait();
    expect(paused.status).to.equal('paused');
    expect(paused.outputLog).to.have.length(1);
    expect(paused.pausePoints).to.have.length(1);
    expect(paused.sharedData).to.deep.equal({ k: 1 });
    expect(done.status).to.equal('completed');
    expect(done.outputLog).to.deep.equal([]);
    expect(done.pausePoints).to.deep.equal([]);
    expect(done.sharedData).to.deep.equal({});
    expect(NO_ITEMS).to.deep.equal([]);
    expect(NO_SHARED).to.deep.equal({});
    writer.resume();
    expect((await writer.wait()).status).to.equal('completed');
  });

  it('routine views and instant totals are shared by jobs per routine, never within one snapshot, so job JSON stays plain', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      // Virtual time: every attempt takes 0 ms, so every routine's figures are equal.
      const flow = new Flow({ scheduler });
      flow.addRoutine(makeRoutine({ trigger: (d: Payload, ctx: ExecutionContext) => ctx.emit('out', d) }), 'a');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => ctx.emit('out', d) }), 'b');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => (d.mark ? ctx.updateRoutineState({ seen: true }) : undefined) }, []), 'c');
      flow.connect('a', 'out', 'b', 'in');
      flow.connect('b', 'out', 'c', 'in');
      const one = flow.start('a');
      const two = flow.start('a');
      flush();
      const [s1, s2] = [one.state, two.state];
      expect(s1.status).to.equal('completed');
      expect(s1.routineStates.a).to.deep.equal({ status: 'completed', activations: 1, errors: 0 });
      expect(s1.tracker!.totals.c).to.deep.equal({ total: 1, completed: 1, failed: 0, time: 0, min: 0, max: 0 });
      expect(s1.routineStates.a).to.equal(s2.routineStates.a);
      expect(s1.tracker!.totals.a).to.equal(s2.tracker!.totals.a);
      expect(s1.routineStates.a).to.not.equal(s1.routineStates.b);
      expect(s1.tracker!.totals.a).to.not.equal(s1.tracker!.totals.b);
      expect(Object.isFrozen(s1.routineStates.a) && Object.isFrozen(s1.tracker!.totals.a)).to.equal(true);
      // Records made only of shared values are shared as well; a job with one value of its own has its own.
      expect(s1.routineStates).to.equal(s2.routineStates);
      expect(s1.tracker!.totals).to.equal(s2.tracker!.totals);
      expect(Object.isFrozen(s1.routineStates) && Object.isFrozen(s1.tracker!.totals)).to.equal(true);
      const three = flow.start('a', { mark: true });
      flush();
      const s3 = three.state;
      expect(s3.routineStates).to.not.equal(s1.routineStates);
      expect(s3.routineStates.c).to.deep.equal({ seen: true, status: 'completed', activations: 1, errors: 0 });
      expect(s3.routineStates.a).to.equal(s1.routineStates.a);
      expect(s1.routineStates.c).to.deep.equal({ status: 'completed', activations: 1, errors: 0 });
      const partial = flow.start('b', {}, { slot: 'in' }); // b and c only: a record of its own
      flush();
      expect(Object.keys(partial.state.routineStates)).to.deep.equal(['b', 'c']);
      expect(Object.keys(partial.state.tracker!.totals)).to.deep.equal(['b', 'c']);
      // An object held twice within a field would be written as a superjson reference.
      expect(JSON.stringify(s1)).to.not.include('$superjson');
      expect(flow.getRoutine('c')!.getSlot('in')!.key).to.equal('c.in');
    });
  });

  it('checkpoint taps are found per flow whatever was set and cleared before (the count that skips the lookup never hides one)', () => {
    const [a, b] = [{}, {}];
    const tapA = (): void => undefined;
    const tapB = (): void => undefined;
    setCheckpointTap(a, tapA);
    setCheckpointTap(a, tapA); // set twice, cleared once: gone
    setCheckpointTap(b, tapB);
    expect(checkpointTapOf(a)).to.equal(tapA);
    setCheckpointTap(a, undefined);
    setCheckpointTap(a, undefined); // clearing what is not set changes nothing
    expect(checkpointTapOf(a)).to.equal(undefined);
    expect(checkpointTapOf(b)).to.equal(tapB);
    setCheckpointTap(b, undefined);
    expect(checkpointTapOf(b)).to.equal(undefined);
    setCheckpointTap(a, tapB);
    expect(checkpointTapOf(a)).to.equal(tapB);
    setCheckpointTap(a, undefined);
  });

  it('held checkpoint moments (a pool result being applied) reach the tap once, when the outermost hold ends, as a status change if any was one; other jobs and flows are not held', () => {
    const flow = {};
    const [job, other] = [{}, {}] as unknown as [JobRuntime, JobRuntime];
    const calls: Array<[unknown, boolean]> = [];
    setCheckpointTap(flow, (j, statusChange) => void calls.push([j, statusChange]));
    try {
      const outer = holdCheckpoints(job);
      tapCheckpoint(flow, job, false);
      const inner = holdCheckpoints(job);
      tapCheckpoint(flow, job, true);
      tapCheckpoint(flow, other, false); // not held
      tapCheckpoint({}, job, true); // a flow without a tap: nothing to tell
      inner();
      inner(); // once
      expect(calls).to.deep.equal([[other, false]]);
      outer();
      expect(calls).to.deep.equal([[other, false], [job, true]]);
      const quiet = holdCheckpoints(job);
      quiet(); // nothing asked meanwhile: nothing told
      tapCheckpoint(flow, job, false); // no hold left: at once
      expect(calls).to.deep.equal([[other, false], [job, true], [job, false]]);
    } finally {
      setCheckpointTap(flow, undefined);
    }
  });
});
