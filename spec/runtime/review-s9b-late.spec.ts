/**
 * Second review of poolTurnLag (issue 17, branch pool-turns2): what reaches a job through a
 * context that is no longer its running activation's is late work (JobData.lateWrites), and a
 * pause asked through it waits for every activation. An activation whose returned value's
 * `then` getter throws fails at once (activate, lib/runtime/activation.ts) without its context
 * being ended: what a timer it left writes later reaches the job itself, uncounted, and a
 * pause it asks is taken as asked from inside a running activation.
 */
import { expect } from 'chai';
import { Routine, type ExecutionContext } from '../../lib/index.js';
import { sleep } from '../fixtures/helpers.js';
import { forkFlow, runtimeOf } from '../fixtures/fork-flow.js';
import type { JobState } from '../../lib/state/job-state.js';
import { LateHost } from '../../lib/bullmq/late-host.js';

/** What o's handler returns: looking at its `then` throws (the activation fails there). */
const hostile = (): unknown => ({
  get then(): unknown {
    throw new Error('o: a hostile thenable');
  },
});

describe('review s9b: late work of an activation failed by its returned value', () => {
  it('counts what a timer left by an activation that failed in its returned value’s `then` getter writes later', async () => {
    const o = new Routine();
    o.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => {
      setTimeout(() => ctx.setSharedData('late', true), 150); // after the activation ended
      return hostile() as never;
    });
    o.setAsOptional(); // its failure lets the job run on
    const slow = new Routine();
    slow.defineSlot('in', async () => sleep(400)); // keeps the job running past o's timer
    const job = forkFlow('review-s9b-hostile', { o, slow }).start('src', {});
    const rt = runtimeOf(job);
    LateHost.track(rt);
    await sleep(60);
    expect(job.state.status, 'o failed (optional), slow still in flight').to.equal('running');
    const before = rt.lateWrites;
    await sleep(200); // o's timer writes now
    expect(job.state.getSharedData('late'), 'the timer’s write reached the job').to.equal(true);
    expect(rt.lateWrites, 'counted as late work').to.be.greaterThan(before);
    await job.wait({ timeout: 5_000 });
  });

  it('a pause asked by a timer left by such an activation waits for every activation in flight, as late-pause.spec.ts has it for an ended one', async () => {
    let slowDone = false;
    let paused: Promise<JobState> | undefined;
    const o = new Routine();
    o.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => {
      setTimeout(() => (paused = ctx.pause('from a timer of a failed activation')), 100);
      return hostile() as never;
    });
    o.setAsOptional();
    const slow = new Routine();
    slow.defineSlot('in', async () => {
      await sleep(400); // in flight when o's timer pauses the job
      slowDone = true;
    });
    const job = forkFlow('review-s9b-hostile-pause', { o, slow }).start('src', {});
    await sleep(200);
    expect(paused, 'o’s timer asked for the pause').to.not.equal(undefined);
    const state = await paused!;
    expect(slowDone, 'slow was still running when the pause resolved').to.equal(true);
    expect(state.status).to.equal('paused');
    await job.cancel('done');
  });
});
