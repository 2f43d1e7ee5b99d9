/**
 * Issue 17: a job id may hold any character (ids with `:` and integer-like ids are encoded for
 * BullMQ). A pool result published to its owner (`r<key>\n<result>`, the key holding the job id)
 * was split at the first newline, so a job id with a newline cut the key: the owner never matched
 * the result, and the activation waited for ever. The result (JSON) holds no raw newline, so
 * the split is at the last one. (Found by the sixth review of the tenth session.)
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { startCluster } from './helpers.js';

function build(): Flow {
  const flow = new Flow({ flowId: 'job-id-newline' });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', { v: 1 }));
  const step = new Routine();
  step.defineEvent('out');
  step.defineSlot('in', (d: { v: number }, ctx: ExecutionContext) => ctx.emit('out', { v: d.v + 1 }));
  step.setPlacement('pool');
  const end = new Routine();
  end.defineSlot('in', (d: { v: number }, ctx: ExecutionContext) => ctx.setSharedData('v', d.v));
  flow.addRoutine(src, 'src');
  flow.addRoutine(step, 'step');
  flow.addRoutine(end, 'end');
  flow.connect('src', 'out', 'step', 'in');
  flow.connect('step', 'out', 'end', 'in');
  return flow;
}

describe('routilux/bullmq: a job id with a newline', function () {
  this.timeout(20_000);
  const redis = useRedis();

  it('completes with its pool step run by a pool worker of another process role (its result published to the owner)', async () => {
    // The owner runs no pool activations: the pool-only worker's result reaches it by pub/sub.
    const cluster = await startCluster(redis, build, 1, { pool: { concurrency: 0 } });
    try {
      await cluster.addWorker({ concurrency: 0, pool: { concurrency: 2 } });
      const final = await build().start('src', {}, { runner: cluster.runner, jobId: 'line\nbreak:1' }).wait({ timeout: 10_000 });
      expect([final.status, final.getSharedData('v')]).to.deep.equal(['completed', 2]);
    } finally {
      // (Bounded: without the fix the owner's close would wait for the lost result for ever.)
      await Promise.race([cluster.close(), new Promise((resolve) => setTimeout(resolve, 5_000).unref())]);
    }
  });
});
