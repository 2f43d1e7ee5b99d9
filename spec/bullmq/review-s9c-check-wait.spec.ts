/**
 * Third review of poolTurnLag (issue 17, branch pool-turns2), on the pool runner's catch path: a
 * handler that emits on an asynchronously checked event and then throws. In a job run in process
 * the activation fails at once (the emit is delivered later, as late work, once its check
 * passes). A pool activation has one result: it cannot send the failure now and the emit later,
 * so it waits for the emit's check (or an abort: a cancel, a timeout), then reports both. That
 * difference is documented (README, "Differences from in-process"); the review showed the
 * failure waiting, and this pins what it waits for.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

/** Accepts anything, 1 s later. */
const slowSchema = { '~standard': { version: 1, vendor: 'review-s9c', validate: (value: unknown) => new Promise((resolve) => setTimeout(() => resolve({ value }), 1_000)) } } as never;

/** src (owner) → p (pool: emits on `out`, whose schema is asynchronous, then throws; default policy: the job fails). */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s9c-check-wait' });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', {}));
  const p = new Routine();
  p.defineEvent('out', [], { schema: slowSchema });
  p.defineSlot('in', (_d: unknown, ctx: ExecutionContext) => {
    ctx.emit('out', { n: 1 });
    throw new Error('p fails after its emit');
  });
  p.setPlacement('pool');
  flow.addRoutine(src, 'src');
  flow.addRoutine(p, 'p');
  flow.connect('src', 'out', 'p', 'in');
  return flow;
}

/** The job's status once it rests, or 'still running' after `ms`. */
async function statusWithin(job: { wait(o: { timeout: number }): Promise<{ status: string }> }, ms: number): Promise<string> {
  try {
    return (await job.wait({ timeout: ms })).status;
  } catch {
    return 'still running';
  }
}

describe('review s9c: a pool handler that throws after an emit whose asynchronous check is slow', function () {
  this.timeout(40_000);
  const redis = useRedis();

  it('control: in process, the job fails at once (the failure does not wait for the check)', async () => {
    expect(await statusWithin(build().start('src', {}), 500)).to.equal('failed');
  });

  it('on the activation pool, the failure is reported once the emit’s check settled (one result carries both)', async () => {
    const cluster = await startCluster(redis, build, 1);
    try {
      const job = build().start('src', {}, { runner: cluster.runner });
      expect(await statusWithin(job, 300), 'the check takes 1 s').to.equal('still running');
      expect(await statusWithin(job, 10_000)).to.equal('failed');
    } finally {
      await cluster.close();
    }
  });
});
