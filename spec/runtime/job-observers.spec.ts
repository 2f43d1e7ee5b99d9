import { expect } from 'chai';
import { tap, timer } from 'rxjs';
import { ErrorHandler, Flow, type ExecutionContext, type JobState, type Payload } from '../../lib/index.js';
import { makeRoutine, newTestScheduler } from '../helpers/routines.js';

function scenario(scheduler: any) {
  const flow = new Flow({ scheduler, executionStrategy: 'concurrent', maxWorkers: 2, flowId: 'det' });
  flow.addRoutine(makeRoutine({ trigger: (_d: Payload, ctx: ExecutionContext) => { for (let i = 1; i <= 4; i++) ctx.emit('out', { i }); } }), 'src');
  const w = makeRoutine({
    in: (d: Payload, ctx: ExecutionContext) =>
      timer(7 * (d.i as number)).pipe(tap(() => { if (ctx.attempt === 1 && d.i === 2) throw new Error('flaky'); ctx.emit('out', d); })),
  });
  w.setErrorHandler(new ErrorHandler({ strategy: 'retry', retryDelay: 15 }));
  flow.addRoutine(w, 'w');
  flow.addRoutine(makeRoutine({ in: () => undefined }, []), 'sink');
  flow.connect('src', 'out', 'w', 'in');
  flow.connect('w', 'out', 'sink', 'in');
  return flow;
}

describe('state$ and virtual-time determinism', () => {
  /** DESIGN §2: `state$ // current, then every change; completes at a terminal status`. */
  it('PASSES (pin): state$ across pause -> resume -> pause -> cancel: statuses in order, completes exactly at cancelled', () => {
    const scheduler = newTestScheduler();
    scheduler.run(({ flush }) => {
      const flow = scenario(scheduler);
      const job = flow.start('src', {}, { jobId: 'j' });
      const seen: Array<[number, string]> = [];
      let completedAt = -1;
      job.state$.subscribe({
        next: (s) => { if (seen.at(-1)?.[1] !== s.status) seen.push([scheduler.now(), s.status]); },
        complete: () => (completedAt = scheduler.now()),
      });
      scheduler.schedule(() => void job.pause('a'), 3);
      scheduler.schedule(() => void job.resume(), 20);
      scheduler.schedule(() => void job.pause('b'), 25);
      scheduler.schedule(() => void job.cancel('c'), 40);
      flush();
      expect(seen).to.deep.equal([[0, 'pending'], [0, 'running'], [3, 'paused'], [20, 'running'], [25, 'paused'], [40, 'cancelled']]);
      expect(completedAt).to.equal(40);
    });
  });

  /** DESIGN §3 Time: "a whole flow runs deterministically in virtual time inside TestScheduler.run()". */
  it('PASSES (pin): the same scenario (concurrency 2, retry, pause/resume) gives identical final states twice', () => {
    const run = (): unknown => {
      const scheduler = newTestScheduler();
      let final: JobState | undefined;
      scheduler.run(({ flush }) => {
        const flow = scenario(scheduler);
        const job = flow.start('src', {}, { jobId: 'j' });
        scheduler.schedule(() => void job.pause('p'), 9);
        scheduler.schedule(() => void job.resume(), 30);
        flush();
        final = job.state;
      });
      const j = JSON.parse(JSON.stringify(final));
      return j;
    };
    const a = run();
    const b = run();
    expect(a).to.deep.equal(b);
    expect((a as any).status).to.equal('completed');
    expect((a as any).executionHistory.filter((h: any) => h.routineId === 'w' && h.eventName === 'out').map((h: any) => h.data.i).sort()).to.deep.equal([1, 2, 3, 4]);
  });
});
