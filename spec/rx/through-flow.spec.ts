import { expect } from 'chai';
import { from, Subject, lastValueFrom, toArray, map, timer, bufferCount, throwError, concat, of, take, firstValueFrom, type InteropObservable } from 'rxjs';
import { TestScheduler } from 'rxjs/testing';
import { Flow, Routine, throughFlow, throughFlowEach, JobFailedStreamError, type Payload, type JobState } from '../../lib/index.js';
import { until } from '../helpers/routines.js';

class Double extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ v: number }>('in', (d, ctx) => ctx.emit('out', { v: d.v * 2 }));
  }
}
class Inc extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ v: number }>('in', (d, ctx) => {
      if (d.v < 0) throw new RangeError(`negative ${d.v}`);
      ctx.emit('out', { v: d.v + 1 });
    });
  }
}
function twoStep(options: ConstructorParameters<typeof Flow>[0] = {}): Flow {
  const flow = new Flow(options);
  flow.addRoutine(new Double(), 'double');
  flow.addRoutine(new Inc(), 'inc');
  flow.connect('double', 'out', 'inc', 'in');
  return flow;
}

describe('throughFlow (one job for the whole stream)', () => {
  it('feeds every upstream value into one job and emits the output event', async () => {
    const flow = twoStep();
    const out = await lastValueFrom(from([{ v: 1 }, { v: 2 }, { v: 3 }]).pipe(throughFlow(flow, { entry: 'double', slot: 'in', output: ['inc', 'out'] }), toArray()));
    expect(out).to.deep.equal([{ v: 3 }, { v: 5 }, { v: 7 }]);
    expect(flow.jobIds()).to.deep.equal([]); // the job completed and was released
  });

  it('works inside a larger pipeline in virtual time', () => {
    const ts = new TestScheduler((a, b) => {
      expect(a).to.deep.equal(b);
    });
    ts.run(({ cold, expectObservable }) => {
      const flow = twoStep({ scheduler: ts });
      const source = cold<Payload>('a-b-c-d|', { a: { v: 1 }, b: { v: 2 }, c: { v: 3 }, d: { v: 4 } });
      const result = source.pipe(
        throughFlow(flow, { entry: 'double', slot: 'in', output: ['inc', 'out'] }),
        map((p) => p.v as number),
        bufferCount(2),
      );
      expectObservable(result).toBe('--x---y|', { x: [3, 5], y: [7, 9] });
    });
  });

  it('errors when the job fails', async () => {
    const flow = twoStep();
    const run = lastValueFrom(from([{ v: 1 }, { v: -5 }]).pipe(throughFlow(flow, { entry: 'inc', slot: 'in', output: ['inc', 'out'] }), toArray()));
    const error = await run.then(() => undefined, (e: unknown) => e);
    expect(error).to.be.instanceOf(JobFailedStreamError);
    expect((error as JobFailedStreamError).state.error).to.deep.include({ name: 'RangeError', routineId: 'inc' });
  });

  it('an upstream error goes through the entry routine error policy (STOP fails the job)', async () => {
    const flow = twoStep();
    const source = concat(of({ v: 1 }), throwError(() => new TypeError('upstream broke')));
    const error = await lastValueFrom(source.pipe(throughFlow(flow, { entry: 'double', slot: 'in', output: ['inc', 'out'] }))).then(() => undefined, (e: unknown) => e);
    expect((error as JobFailedStreamError).state.error).to.deep.include({ name: 'TypeError', message: 'upstream broke', routineId: 'double' });
  });

  it('unsubscribing cancels the job and releases every subscription', async () => {
    const flow = twoStep();
    const input = new Subject<Payload>();
    const seen: number[] = [];
    const sub = input.pipe(throughFlow(flow, { entry: 'double', slot: 'in', output: ['inc', 'out'] })).subscribe((p) => seen.push(p.v as number));
    input.next({ v: 1 });
    // Until the first value came through (not a fixed 5 ms, which a loaded machine outlasts).
    await until(() => seen.length === 1, 10_000, 'the first value through the flow');
    const [jobId] = flow.jobIds();
    const job = flow.getJob(jobId)!;
    sub.unsubscribe();
    expect(job.state.status).to.equal('cancelled');
    expect(input.observed).to.equal(false);
    expect(flow._emissionsObserved()).to.equal(false);
    expect(seen).to.deep.equal([3]);
  });
});

describe('throughFlowEach (one job per value)', () => {
  it('runs one job per upstream value with a concurrency limit', async () => {
    const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 10 });
    let running = 0;
    let peak = 0;
    class Slow extends Routine {
      constructor() {
        super();
        this.defineEvent('out');
        this.defineSlot<{ v: number }>('trigger', async (d, ctx) => {
          running++;
          peak = Math.max(peak, running);
          await new Promise((r) => setTimeout(r, 5));
          running--;
          ctx.emit('out', { v: d.v * 10 });
        });
      }
    }
    flow.addRoutine(new Slow(), 'slow');
    const out = await lastValueFrom(from([1, 2, 3, 4, 5, 6].map((v) => ({ v }))).pipe(throughFlowEach(flow, { entry: 'slow', output: ['slow', 'out'], concurrency: 2 }), toArray()));
    expect(out.map((p) => p.v).sort((a, b) => (a as number) - (b as number))).to.deep.equal([10, 20, 30, 40, 50, 60]);
    expect(peak).to.equal(2);
  });

  it('unsubscribing cancels the running jobs', async () => {
    const flow = new Flow({ executionStrategy: 'concurrent', maxWorkers: 4 });
    let started = 0;
    class Never extends Routine {
      constructor() {
        super();
        this.defineEvent('out');
        this.defineSlot('trigger', () => (started++, timer(60_000)));
      }
    }
    flow.addRoutine(new Never(), 'never');
    const sub = from([{}, {}, {}]).pipe(throughFlowEach(flow, { entry: 'never', output: ['never', 'out'] })).subscribe();
    // Until the three jobs run their activation (not a fixed 5 ms, which a loaded machine outlasts).
    await until(() => started === 3, 10_000, 'the three activations to start');
    const jobs = flow.jobIds().map((id) => flow.getJob(id)!);
    expect(jobs).to.have.length(3);
    sub.unsubscribe();
    expect(jobs.map((j) => j.state.status)).to.deep.equal(['cancelled', 'cancelled', 'cancelled']);
  });
});

describe('observables out', () => {
  it('job.observe completes with the job; flow.observe and events$ see every job', async () => {
    const flow = twoStep();
    const all: Payload[] = [];
    const emissions: string[] = [];
    const s1 = flow.observe('inc', 'out').subscribe((p) => all.push(p));
    const s2 = flow.events$.subscribe((e) => emissions.push(`${e.kind}:${e.routineId}.${e.eventName}`));
    const a = flow.start('double', { v: 1 }, { slot: 'in' });
    const b = flow.start('double', { v: 10 }, { slot: 'in' });
    const [outA, outB] = await Promise.all([lastValueFrom(a.observe('inc', 'out').pipe(toArray())), lastValueFrom(b.observe('inc', 'out').pipe(toArray()))]);
    expect(outA).to.deep.equal([{ v: 3 }]);
    expect(outB).to.deep.equal([{ v: 21 }]);
    expect(all).to.have.deep.members([{ v: 3 }, { v: 21 }]);
    // Issue 16: events$ carries emissions only (the start records moved to inspect$).
    expect(emissions).to.deep.equal(['emit:double.out', 'emit:double.out', 'emit:inc.out', 'emit:inc.out']);
    s1.unsubscribe();
    s2.unsubscribe();
    expect(flow._emissionsObserved()).to.equal(false);
    expect(flow.getRoutine('inc')!.getEvent('out')!['subject' as keyof object]).to.satisfy((s: Subject<unknown>) => !s.observed);
  });

  it('job.observe of a settled job completes at once; unknown names throw', async () => {
    const flow = twoStep();
    const job = flow.start('double', { v: 1 }, { slot: 'in' });
    await job.wait();
    expect(await lastValueFrom(job.observe('inc', 'out').pipe(toArray()))).to.deep.equal([]);
    expect(() => job.observe('nope', 'out')).to.throw(/no routine 'nope'/);
    expect(() => job.observe('inc', 'nope')).to.throw(/no event 'nope'/);
  });

  it('from(job) streams state snapshots and from(event) streams payloads (Symbol.observable interop)', async () => {
    const flow = twoStep();
    const job = flow.start('double', { v: 2 }, { slot: 'in' });
    const statuses = lastValueFrom(from(job as unknown as AsyncIterable<JobState>).pipe(map((s) => s.status), toArray()));
    expect((await statuses).at(-1)).to.equal('completed');
    const event = flow.getRoutine('inc')!.getEvent('out')!;
    const next = firstValueFrom(from(event as unknown as AsyncIterable<Payload>).pipe(take(1)));
    await flow.execute('double', { v: 5 }, { slot: 'in' });
    expect(await next).to.deep.equal({ v: 11 });
  });

  it('job.state$ unsubscribes cleanly and output$ streams sendOutput records', async () => {
    const flow = new Flow();
    class Reporter extends Routine {
      constructor() {
        super();
        this.defineSlot('trigger', (_d) => {
          this.sendOutput('progress', { pct: 50 });
          this.sendOutput('progress', { pct: 100 });
        });
      }
    }
    flow.addRoutine(new Reporter(), 'r');
    const job = flow.start('r');
    const outputs = lastValueFrom(job.output$.pipe(toArray()));
    const states = job.state$.subscribe();
    states.unsubscribe();
    const recs = await outputs;
    expect(recs.map((o) => [o.routineId, o.outputType, o.data])).to.deep.equal([
      ['r', 'progress', { pct: 50 }],
      ['r', 'progress', { pct: 100 }],
    ]);
    expect(job.state.outputLog).to.have.length(2);
    expect(recs[0].jobId).to.equal(job.jobId);
  });
});

describe('interop observables returned by handlers', () => {
  it('a handler may return a foreign observable (only the interop key): the activation waits for it', async () => {
    const { observable: key } = await import('rxjs');
    const flow = new Flow();
    const order: string[] = [];
    class Foreign extends Routine {
      constructor() {
        super();
        this.defineEvent('out');
        this.defineSlot('trigger', (_d, ctx) => interop({
          // A minimal interop observable as another library would hand out: no subscribe().
          [key]: () => ({
            subscribe(observer: { next?: (v: unknown) => void; complete?: () => void }) {
              const id = setTimeout(() => {
                order.push('foreign done');
                ctx.emit('out', { from: 'foreign' });
                observer.complete?.();
              }, 5);
              return { unsubscribe: () => clearTimeout(id) };
            },
          }),
        }));
        // RxJS types its interop key as string | symbol, so the object needs a cast.
        function interop(o: object): InteropObservable<unknown> {
          return o as InteropObservable<unknown>;
        }
      }
    }
    flow.addRoutine(new Foreign(), 'f');
    const job = flow.start('f');
    const outputs = lastValueFrom(job.observe('f', 'out').pipe(toArray()));
    const state = await job.wait();
    order.push('settled');
    expect(state.status).to.equal('completed');
    expect(order).to.deep.equal(['foreign done', 'settled']);
    expect(await outputs).to.deep.equal([{ from: 'foreign' }]);
  });
});
