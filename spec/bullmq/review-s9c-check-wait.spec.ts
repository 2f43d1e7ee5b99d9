/**
 * Third review of poolTurnLag (issue 17, branch pool-turns2), on the pool runner's catch path
 * (pool-runner.ts runActivation: `if (actx.checking) await actx.whenChecked()`): a handler that
 * emits on an asynchronously checked event and then throws. In a job run in process the
 * activation fails at once (settle ends it on any error; the emit is delivered later, as late
 * work, once its check passes); on the activation pool the handler's error waits for the
 * check, so a slow (or never settling) check holds the failure back: the job that fails at
 * once in process is still running on the pool seconds later (forever, for a check that never
 * settles).
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

/** Accepts anything, 8 s later (long past the bound below; short enough for the cluster's close). */
const slowSchema = { '~standard': { version: 1, vendor: 'review-s9c', validate: (value: unknown) => new Promise((resolve) => setTimeout(() => resolve({ value }), 8_000)) } } as never;

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
    expect(await statusWithin(build().start('src', {}), 4_000)).to.equal('failed');
  });

  it('on the activation pool, the job fails at once too', async () => {
    const cluster = await startCluster(redis, build, 1);
    try {
      expect(await statusWithin(build().start('src', {}, { runner: cluster.runner }), 4_000)).to.equal('failed');
    } finally {
      await new Promise((resolve) => setTimeout(resolve, 5_000)); // the check settles; the pool job ends
      await cluster.close();
    }
  });
});
