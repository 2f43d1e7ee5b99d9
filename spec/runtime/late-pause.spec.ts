import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import type { JobState } from '../../lib/state/job-state.js';

describe('ctx.pause() from an ended activation (a timer it left)', () => {
  it('resolves once no activation is in flight, as any pause from outside does', async () => {
    const flow = new Flow({ flowId: 'late-pause', executionStrategy: 'concurrent', maxWorkers: 4 });
    let finishedSlow = false;
    let paused: Promise<JobState> | undefined;
    const a = new Routine();
    a.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => {
      ctx.scheduler.schedule(() => (paused = ctx.pause('from a timer')), 20);
    });
    const b = new Routine();
    b.defineSlot('go', async () => {
      await new Promise((resolve) => setTimeout(resolve, 120));
      finishedSlow = true;
    });
    flow.addRoutine(a, 'a');
    flow.addRoutine(b, 'b');
    const job = flow.start('a', {});
    job.send('b', 'go', {});
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(paused, 'the timer paused the job').to.not.equal(undefined);
    const state = await paused!;
    expect(finishedSlow, 'b was still running when the pause resolved').to.equal(true);
    expect(state.status).to.equal('paused');
    await job.cancel('done');
  });
});
