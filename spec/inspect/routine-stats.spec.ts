import { expect } from 'chai';
import fc from 'fast-check';
import { Flow, Routine, type InspectRecord } from '../../lib/index.js';
import { RoutineStats, percentile } from '../../lib/inspect/routine-stats.js';
import { deferred, until } from '../helpers/routines.js';

const end = (routineId: string, durationMs: number, outcome: 'completed' | 'failed' = 'completed'): InspectRecord => ({
  type: 'activation-end', jobId: 'j', routineId, slotName: 'in', attempt: 1, activationId: 'j/1', durationMs, outcome, timestamp: 0,
});

describe('RoutineStats (per-routine figures from inspect$)', () => {
  it('counts activations and failures, and gives the mean and the nearest-rank p95', () => {
    const stats = new RoutineStats();
    for (let ms = 1; ms <= 100; ms++) stats.record(end('r', ms, ms % 10 === 0 ? 'failed' : 'completed'));
    expect(stats.snapshot()).to.deep.equal([{ routineId: 'r', activations: 100, failures: 10, meanMs: 50.5, p95Ms: 95, running: 0 }]);
  });

  it('keeps the p95 of the newest samples only (bounded memory), the mean of all', () => {
    const stats = new RoutineStats(10);
    for (let i = 0; i < 1000; i++) stats.record(end('r', 1000));
    for (let i = 0; i < 10; i++) stats.record(end('r', 1));
    const [r] = stats.snapshot();
    expect(r.p95Ms).to.equal(1);
    expect(r.meanMs).to.be.closeTo((1000 * 1000 + 10) / 1010, 1e-9);
  });

  it('counts what runs now, from a real flow', async () => {
    const flow = new Flow();
    const r = new Routine();
    // Held open until the spec has looked (a 20 ms timer could end first on a loaded machine).
    const gate = deferred();
    r.defineSlot('trigger', () => gate.promise);
    flow.addRoutine(r, 'slow');
    const stats = new RoutineStats();
    const sub = flow.inspect$.subscribe((x) => stats.record(x));
    const job = flow.start('slow', {});
    // Until it started (not a fixed 5 ms, which a loaded machine outlasts).
    await until(() => stats.snapshot().length > 0, 10_000, 'the activation to start');
    expect(stats.snapshot()[0]).to.deep.include({ routineId: 'slow', running: 1, activations: 0 });
    gate.resolve();
    await job.wait();
    expect(stats.snapshot()[0]).to.deep.include({ running: 0, activations: 1, failures: 0 });
    sub.unsubscribe();
  });

  it('property: the nearest-rank percentile is an element with at least p of the values at or below it', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 200 }), fc.double({ min: 0.01, max: 1, noNaN: true }), (values, p) => {
        const v = percentile(values, p);
        expect(values).to.include(v);
        expect(values.filter((x) => x <= v).length).to.be.at.least(Math.ceil(p * values.length));
        expect(values.filter((x) => x < v).length).to.be.below(Math.ceil(p * values.length));
      }),
    );
  });
});
