/**
 * Issue 17, Tier 2: a job failed by a pool activation's error, resumed (from the runner, so a
 * new ownership takes it from the store): the failed activation runs again, as in-process. Its
 * first attempt's result (the error) is still in the job's inbox under the same activation id
 * and attempt (a resume starts the attempts again), and must not be applied in its place.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

let calls = 0;

function build(): Flow {
  const flow = new Flow({ flowId: 'pool-resume' });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { v: 1 }));
  const flaky = new Routine();
  flaky.defineEvent('out');
  flaky.defineSlot('in', (d: { v: number }, ctx: ExecutionContext) => {
    if (++calls === 1) throw new Error('first call fails');
    ctx.emit('out', { v: d.v + 1 });
  });
  flaky.setPlacement('pool');
  const end = new Routine();
  end.defineSlot('in', (d: { v: number }, ctx: ExecutionContext) => ctx.setSharedData('v', d.v));
  flow.addRoutine(src, 'src');
  flow.addRoutine(flaky, 'flaky');
  flow.addRoutine(end, 'end');
  flow.connect('src', 'out', 'flaky', 'in');
  flow.connect('flaky', 'out', 'end', 'in');
  return flow;
}

describe('routilux/bullmq: a job failed by a pool activation, resumed', function () {
  this.timeout(60_000);
  const redis = useRedis();

  it('runs the failed activation again (its old error in the inbox is not applied in its place)', async () => {
    calls = 0;
    const cluster = await startCluster(redis, build, 1);
    try {
      const failed = await build().start('src', {}, { runner: cluster.runner, jobId: 'resume-me' }).wait({ timeout: 20_000 });
      expect(failed.status).to.equal('failed');
      const again = await cluster.runner.resume(build(), 'resume-me');
      const final = await again.wait({ timeout: 20_000 });
      expect(final.status, JSON.stringify(final.error)).to.equal('completed');
      expect(final.getSharedData('v')).to.equal(2);
      expect(calls).to.equal(2);
    } finally {
      await cluster.close();
    }
  });
});
