import { expect } from 'chai';
import { lastValueFrom, timer, toArray } from 'rxjs';
import { ErrorHandler, Flow, JobState, Routine, type OutputRecord, type Payload } from '../../lib/index.js';
import { Relay, Sink, Source, makeRoutine, newTestScheduler, sleep } from '../helpers/routines.js';

function linear(): Flow {
  const flow = new Flow();
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(new Relay(), 'mid');
  flow.addRoutine(new Sink(), 'sink');
  flow.connect('src', 'out', 'mid', 'in');
  flow.connect('mid', 'out', 'sink', 'in');
  return flow;
}

describe('JobState', () => {
  describe('statuses and state$', () => {
    it('state$ emits the current snapshot, then changes: pending, running, completed; then completes', async () => {
      const flow = linear();
      const job = flow.start('src', { items: [{ n: 1 }] });
      const all = lastValueFrom(job.state$.pipe(toArray()));
      const snaps = await all;
      expect(snaps.every((s) => s instanceof JobState)).to.equal(true);
      const statuses = snaps.map((s) => s.status).filter((s, i, a) => i === 0 || a[i - 1] !== s);
      expect(statuses).to.deep.equal(['pending', 'running', 'completed']);
      expect(new Set(snaps).size).to.equal(snaps.length);
      expect(snaps.at(-1)).to.equal(job.state);
    });

    it('state$ of a settled job emits its last snapshot and completes', async () => {
      const flow = linear();
      const job = flow.start('src');
      const final = await job.wait();
      const snaps = await lastValueFrom(job.state$.pipe(toArray()));
      expect(snaps).to.have.length(1);
      expect(snaps[0].status).to.equal('completed');
      expect(snaps[0]).to.equal(final);
    });

    it('a failed job has status failed and an error { name, message, routineId }', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ in: () => { throw new TypeError('wrong type'); } }, []), 'bad');
      flow.connect('src', 'out', 'bad', 'in');
      const state = await flow.execute('src');
      expect(state.status).to.equal('failed');
      expect(state.error).to.deep.equal({ name: 'TypeError', message: 'wrong type', routineId: 'bad' });
    });
  });

  describe('routine states', () => {
    it('records status, activation count and errors per routine; undefined for routines that never ran', async () => {
      const flow = linear();
      flow.addRoutine(new Sink(), 'idle');
      const state = await flow.execute('src', { items: [{ n: 1 }, { n: 2 }, { n: 3 }] });
      expect(state.getRoutineState('src')).to.include({ status: 'completed', activations: 1, errors: 0 });
      expect(state.getRoutineState('mid')).to.include({ status: 'completed', activations: 3, errors: 0 });
      expect(state.getRoutineState('sink')).to.include({ status: 'completed', activations: 3, errors: 0 });
      expect(state.getRoutineState('idle')).to.equal(undefined);
      expect(state.getRoutineState('no-such-routine')).to.equal(undefined);
      expect(state.routineStates.mid).to.equal(state.getRoutineState('mid'));
    });

    it("a routine is 'running' while any of its activations is in flight, then shows its latest outcome", () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 4 });
        flow.addRoutine(new Source(), 'src');
        flow.addRoutine(makeRoutine({ in: (d: Payload) => timer(d.ms as number) }, []), 'w');
        flow.connect('src', 'out', 'w', 'in');
        const job = flow.start('src', { items: [{ ms: 10 }, { ms: 20 }] });
        const at: Record<number, unknown> = {};
        for (const f of [5, 15, 25]) scheduler.schedule(() => void (at[f] = { ...job.state.getRoutineState('w') }), f);
        flush();
        expect(at[5]).to.deep.equal({ status: 'running', activations: 2, errors: 0 });
        expect(at[15]).to.deep.equal({ status: 'running', activations: 2, errors: 0 });
        expect(at[25]).to.deep.equal({ status: 'completed', activations: 2, errors: 0 });
      });
    });

    it('a failed routine has status failed and its error { name, message }', async () => {
      const flow = new Flow();
      flow.addRoutine(makeRoutine({ trigger: () => { throw new RangeError('out of range'); } }), 'r');
      const state = await flow.execute('r');
      expect(state.getRoutineState('r')).to.deep.include({ status: 'failed', activations: 1, errors: 1 });
      expect(state.getRoutineState('r')!.error).to.deep.include({ name: 'RangeError', message: 'out of range' });
    });

    it('ctx.updateRoutineState merges user keys into the routine state', async () => {
      const flow = new Flow();
      flow.addRoutine(
        makeRoutine({
          trigger: (_d, ctx) => {
            ctx.updateRoutineState({ progress: 1, label: 'a' });
            ctx.updateRoutineState({ progress: 2 });
          },
        }),
        'r',
      );
      const state = await flow.execute('r');
      expect(state.getRoutineState('r')).to.include({ progress: 2, label: 'a', status: 'completed', activations: 1 });
    });

    it('ctx.jobState is the latest snapshot during an activation', async () => {
      const flow = new Flow();
      let seen: JobState | undefined;
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ in: (_d, ctx) => void (seen = ctx.jobState) }, []), 'sink');
      flow.connect('src', 'out', 'sink', 'in');
      const job = flow.start('src', { x: 1 });
      await job.wait();
      expect(seen).to.be.instanceOf(JobState);
      expect(seen!.jobId).to.equal(job.jobId);
      expect(seen!.status).to.equal('running');
      expect(seen!.getRoutineState('src')!.status).to.equal('completed');
      expect(seen!.getRoutineState('sink')).to.include({ status: 'running', activations: 1 });
    });
  });

  describe('execution history', () => {
    it('has the entry start, every emit (eventName = the event) and errors, in order', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine({
          in: (d: Payload, ctx) => {
            if (d.n === 2) throw new Error('two is bad');
            ctx.emit('done', { ok: d.n });
          },
        }, ['done']),
        'work',
      );
      flow.connect('src', 'out', 'work', 'in');
      flow.getRoutine('work')!.setErrorHandler(new ErrorHandler({ strategy: 'continue' }));
      const state = await flow.execute('src', { items: [{ n: 1 }, { n: 2 }] });
      const h = state.executionHistory.map((r) => [r.routineId, r.eventName]);
      expect(h).to.deep.equal([
        ['src', 'start'],
        ['src', 'out'],
        ['src', 'out'],
        ['work', 'done'],
        ['work', 'error'],
      ]);
      expect(state.executionHistory[0].data).to.deep.equal({ items: [{ n: 1 }, { n: 2 }] });
      expect(state.executionHistory[1].data).to.deep.equal({ n: 1 });
      expect(state.executionHistory[3].data).to.deep.equal({ ok: 1 });
      expect(state.executionHistory[4].data).to.deep.include({ slot: 'in', error: 'two is bad' });
      expect(state.executionHistory.every((r) => typeof r.timestamp === 'number')).to.equal(true);
    });

    it('getExecutionHistory(routineId) keeps only that routine records; no argument gives all', async () => {
      const state = await linear().execute('src', { items: [{ n: 1 }, { n: 2 }] });
      expect(state.getExecutionHistory()).to.deep.equal(state.executionHistory);
      expect(state.getExecutionHistory('mid').map((r) => [r.eventName, r.data])).to.deep.equal([
        ['out', { n: 1 }],
        ['out', { n: 2 }],
      ]);
      expect(state.getExecutionHistory('sink')).to.deep.equal([]);
    });

    it('historyLimit caps executionHistory, keeping the newest records', async () => {
      const flow = new Flow({ historyLimit: 5 });
      flow.addRoutine(new Source(), 'src');
      const items = Array.from({ length: 20 }, (_, n) => ({ n }));
      const state = await flow.execute('src', { items });
      expect(state.executionHistory).to.have.length(5);
      expect(state.executionHistory.map((r) => r.data.n)).to.deep.equal([15, 16, 17, 18, 19]);
    });

    it('the default historyLimit is 10,000, newest kept', async () => {
      const flow = new Flow();
      flow.addRoutine(new Source(), 'src');
      const items = Array.from({ length: 10_050 }, (_, n) => ({ n }));
      const state = await flow.execute('src', { items });
      expect(state.executionHistory).to.have.length(10_000);
      expect(state.executionHistory[0].data).to.deep.equal({ n: 50 });
      expect(state.executionHistory.at(-1)!.data).to.deep.equal({ n: 10_049 });
    });
  });

  describe('immutability', () => {
    it('snapshots are frozen: mutating them throws', async () => {
      const flow = linear();
      const job = flow.start('src', { items: [{ n: 1 }] });
      const state = await job.wait();
      const s = state as unknown as Record<string, any>;
      expect(Object.isFrozen(state)).to.equal(true);
      expect(() => (s.status = 'running')).to.throw(TypeError);
      expect(() => (s.routineStates.mid.status = 'failed')).to.throw(TypeError);
      expect(() => (s.routineStates.extra = {})).to.throw(TypeError);
      expect(() => s.executionHistory.push({})).to.throw(TypeError);
      expect(() => (s.executionHistory[0].eventName = 'x')).to.throw(TypeError);
      expect(() => (s.sharedData.k = 1)).to.throw(TypeError);
      expect(() => (s.slotData['mid.in'] = {})).to.throw(TypeError);
      expect(() => s.pendingTasks.push({})).to.throw(TypeError);
      expect(() => s.pausePoints.push({})).to.throw(TypeError);
      expect(() => s.outputLog.push({})).to.throw(TypeError);
      expect(state.status).to.equal('completed');
      expect(job.state.status).to.equal('completed');
    });

    it('a kept snapshot never changes when the job moves on', async () => {
      const flow = linear();
      const job = flow.start('src', { items: [{ n: 1 }] });
      const first = job.state;
      await job.wait();
      expect(first.status).to.equal('pending');
      expect(first.executionHistory.map((r) => r.eventName)).to.deep.equal(['start']);
      expect(job.state).to.not.equal(first);
      expect(job.state.status).to.equal('completed');
    });

    it('snapshots are structurally shared: unchanged routine states are the same object across snapshots', () => {
      const scheduler = newTestScheduler();
      scheduler.run(({ flush }) => {
        const flow = new Flow({ scheduler });
        flow.addRoutine(new Source(), 'src');
        flow.addRoutine(makeRoutine({ in: () => timer(10) }, ['out']), 'slow');
        flow.addRoutine(new Sink(), 'other');
        flow.connect('src', 'out', 'slow', 'in');
        const job = flow.start('src', { items: [{ n: 1 }, { n: 2 }] });
        const snaps: JobState[] = [];
        scheduler.schedule(() => snaps.push(job.state), 5);
        scheduler.schedule(() => snaps.push(job.state), 15);
        scheduler.schedule(() => snaps.push(job.state), 25);
        flush();
        const [a, b, c] = snaps;
        expect(a).to.not.equal(b);
        expect(b).to.not.equal(c);
        // src finished at frame 0 and never changed again
        expect(b.routineStates.src).to.equal(a.routineStates.src);
        expect(c.routineStates.src).to.equal(a.routineStates.src);
        expect(c.slotData['src.trigger']).to.equal(a.slotData['src.trigger']);
        // slow changed between the snapshots
        expect(a.routineStates.slow).to.include({ activations: 1, status: 'running' });
        expect(b.routineStates.slow).to.include({ activations: 2, status: 'running' });
        expect(c.routineStates.slow).to.include({ activations: 2, status: 'completed' });
        expect(b.routineStates.slow).to.not.equal(a.routineStates.slow);
        // reading twice without a change gives the same snapshot
        expect(job.state).to.equal(job.state);
      });
    });
  });

  describe('slot data, shared data and outputs', () => {
    it('slotData is keyed `${routineId}.${slotName}`', async () => {
      const state = await linear().execute('src', { items: [{ n: 1 }, { n: 2 }] });
      expect(state.slotData['mid.in']).to.deep.equal({ n: 2 });
      expect(state.slotData['sink.in']).to.deep.equal({ n: 2 });
    });

    it('sharedData: set and read by any routine of the job, per job, readable from the state', async () => {
      const flow = new Flow();
      const reads: unknown[] = [];
      flow.addRoutine(
        makeRoutine({
          trigger: (d: Payload, ctx) => {
            reads.push(ctx.getSharedData('tenant', 'none'));
            ctx.setSharedData('tenant', d.tenant);
            ctx.emit('out', {});
          },
        }),
        'a',
      );
      flow.addRoutine(makeRoutine({ in: (_d, ctx) => void reads.push(ctx.getSharedData('tenant')) }, []), 'b');
      flow.connect('a', 'out', 'b', 'in');
      const s1 = await flow.execute('a', { tenant: 't1' });
      const s2 = await flow.execute('a', { tenant: 't2' });
      expect(reads).to.deep.equal(['none', 't1', 'none', 't2']);
      expect(s1.sharedData).to.deep.equal({ tenant: 't1' });
      expect(s2.getSharedData('tenant')).to.equal('t2');
      expect(s2.getSharedData('missing', 5)).to.equal(5);
    });

    it('sendOutput goes to the outputLog and job.output$, which completes with the job', async () => {
      const flow = new Flow({ flowId: 'out-flow' });
      const r = new Routine();
      r.defineSlot('trigger', async (d: Payload) => {
        r.sendOutput('progress', { done: 1 });
        await sleep(1);
        r.sendOutput('result', { value: d.v });
      });
      flow.addRoutine(r, 'r');
      const job = flow.start('r', { v: 42 });
      const streamed = lastValueFrom(job.output$.pipe(toArray()));
      const state = await job.wait();
      const outputs: OutputRecord[] = await streamed;
      expect(outputs.map((o) => [o.jobId, o.routineId, o.outputType, o.data])).to.deep.equal([
        [job.jobId, 'r', 'progress', { done: 1 }],
        [job.jobId, 'r', 'result', { value: 42 }],
      ]);
      expect(state.outputLog.map((o) => [o.outputType, o.data])).to.deep.equal([
        ['progress', { done: 1 }],
        ['result', { value: 42 }],
      ]);
      expect(state.outputLog.every((o) => typeof o.timestamp === 'number' && o.jobId === job.jobId)).to.equal(true);
    });
  });
});

