/**
 * Review s9 (poolTurnLag, issue 17): what reaches a job through a context that is no longer
 * its running activation's is late work (JobData.lateWrites). An activation let go when its job
 * failed (detached: silenced, never ended) keeps the job itself as its host: what its promise
 * still writes after the job was resumed reaches the job and is not counted.
 */
import { expect } from 'chai';
import { Routine, type ExecutionContext } from '../../lib/index.js';
import { sleep } from '../fixtures/helpers.js';
import { forkFlow, runtimeOf } from '../fixtures/fork-flow.js';
import type { JobState } from '../../lib/state/job-state.js';
import { LateHost } from '../../lib/bullmq/late-host.js';


describe('review s9: late work of a let-go activation', () => {
  it('counts what an activation let go by its job’s failure writes after the job was resumed', async () => {
    let oRuns = 0;
    let fRuns = 0;
    const o = new Routine();
    o.defineSlot('in', async (_d: unknown, ctx: ExecutionContext) => {
      const run = ++oRuns;
      await sleep(run === 1 ? 300 : 10);
      ctx.setSharedData(`o${run}`, true); // run 1: let go meanwhile, after the resume
    });
    const f = new Routine();
    f.defineEvent('out');
    f.defineSlot('in', async (_d: unknown, ctx: ExecutionContext) => {
      if (++fRuns === 1) throw new Error('f fails once');
      await sleep(600); // keeps the resumed job running past o's first run
      ctx.emit('out', {});
    });
    const job = forkFlow('review-s9-let-go', { o, f }).start('src', {});
    const rt = runtimeOf(job);
    LateHost.track(rt);
    await sleep(50);
    expect(job.state.status, 'f failed the job, o still in flight').to.equal('failed');
    job.resume();
    await sleep(100);
    expect(job.state.status).to.equal('running');
    const before = rt.lateWrites;
    await sleep(300); // o's first run writes now, through the job itself
    expect(job.state.getSharedData('o1'), 'the let-go activation’s write reached the resumed job').to.equal(true);
    expect(rt.lateWrites, 'counted as late work').to.be.greaterThan(before);
    await job.wait({ timeout: 5_000 });
  });
  it('a pause asked by an activation let go by its job’s failure (after a resume) waits for every activation in flight, as late-pause.spec.ts has it for an ended one', async () => {
    let fRuns = 0;
    let oRuns = 0;
    let slowDone = false;
    let paused: Promise<JobState> | undefined;
    const o = new Routine();
    o.defineSlot('in', async (_d: unknown, ctx: ExecutionContext) => {
      if (++oRuns > 1) return;
      await sleep(200);
      paused = ctx.pause('from a let-go activation'); // run 1: let go meanwhile, after the resume
    });
    const f = new Routine();
    f.defineSlot('in', async () => {
      if (++fRuns === 1) throw new Error('f fails once');
      await sleep(400); // in flight when o's first run pauses the job
      slowDone = true;
    });
    const job = forkFlow('review-s9-let-go-pause', { o, f }).start('src', {});
    await sleep(50);
    expect(job.state.status).to.equal('failed');
    job.resume();
    await sleep(250);
    expect(paused, 'o’s first run asked for the pause').to.not.equal(undefined);
    const state = await paused!;
    expect(slowDone, 'f was still running when the pause resolved').to.equal(true);
    expect(state.status).to.equal('paused');
    await job.cancel('done');
  });
});
