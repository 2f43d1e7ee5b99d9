/**
 * A pool activation whose attempt times out on its owner (activationTimeout) frees its pool slot,
 * even when its handler never settles and ignores its signal: the owner tells the pool that
 * this attempt timed out (not only, later, that the job failed), and the pool stops waiting for
 * the handler then, as the owner did. A job's own abort (cancel, failure) still waits for the
 * handler, whose result a replay after a crash may take.
 */
import { expect } from 'chai';
import { ErrorHandler, Flow, Routine, type ExecutionContext, type Payload } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome, or 'HANG' after `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'HANG'> => Promise.race([promise, sleep(ms).then(() => 'HANG' as const)]);

/** Pool handlers started (by attempt) and signals they saw aborted, for the spec to read. */
const seen = { started: [] as number[], aborted: [] as string[] };

/** src.trigger → pool routine work.in: `{ hang: n }` never settles (ignoring its signal) at attempts <= n. */
function build(flowId: string, policy?: ErrorHandler): () => Flow {
  return () => {
    const flow = new Flow({ flowId, activationTimeout: 300 });
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', (d: Payload, ctx: ExecutionContext) => ctx.emit('out', d));
    const work = new Routine();
    work.defineEvent('done');
    work.defineSlot<{ hang?: number; v: number }>('in', (d, ctx) => {
      seen.started.push(ctx.attempt);
      ctx.signal.addEventListener('abort', () => seen.aborted.push(String((ctx.signal.reason as Error)?.name)));
      if (ctx.attempt <= (d.hang ?? 0)) return new Promise<void>(() => undefined); // never settles
      ctx.setSharedData('v', d.v);
      return undefined;
    });
    work.setPlacement('pool');
    if (policy !== undefined) work.setErrorHandler(policy);
    flow.addRoutine(src, 'src');
    flow.addRoutine(work, 'work');
    flow.connect('src', 'out', 'work', 'in');
    return flow;
  };
}

describe('routilux/bullmq: a pool attempt timed out on its owner frees its pool slot', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(async () => {
    await Promise.all(clusters.map((c) => within(c.close(), 5_000)));
  });
  const cluster = async (flow: () => Flow): Promise<Cluster> => {
    const c = await startCluster(redis, flow, 1, { pool: { concurrency: 1 } });
    clusters.push(c);
    return c;
  };

  it('STOP: the job fails with the TimeoutError, and the next job’s pool activation runs on the one pool slot', async () => {
    const flow = build('pool-timeout-stop');
    const c = await cluster(flow);
    seen.aborted.length = 0;
    const first = await within(flow().start('src', { hang: 1, v: 1 }, { runner: c.runner }).wait(), 8_000);
    expect(first === 'HANG' ? first : [first.status, first.error?.name]).to.deep.equal(['failed', 'TimeoutError']);
    const second = await within(flow().start('src', { v: 2 }, { runner: c.runner }).wait(), 5_000);
    expect(second === 'HANG' ? 'HANG: the pool slot is still held' : [second.status, second.getSharedData('v')]).to.deep.equal(['completed', 2]);
    expect(seen.aborted, 'the handler’s signal said the attempt timed out').to.include('TimeoutError');
  });

  it('RETRY: attempt 1 times out and never settles; attempt 2 runs on the freed slot and the job completes, as in-process', async () => {
    const flow = build('pool-timeout-retry', new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 10 }));
    const local = await within(flow().start('src', { hang: 1, v: 3 }).wait(), 5_000);
    const c = await cluster(flow);
    seen.started.length = 0;
    const remote = await within(flow().start('src', { hang: 1, v: 3 }, { runner: c.runner }).wait(), 8_000);
    expect(remote === 'HANG' ? 'HANG: attempt 2 never got the pool slot' : [remote.status, remote.getSharedData('v')]).to.deep.equal(local === 'HANG' ? 'local hung' : [local.status, local.getSharedData('v')]);
    expect(seen.started).to.deep.equal([1, 2]);
  });

  it('worker.close() settles after a timed-out pool attempt whose handler never settles', async () => {
    const flow = build('pool-timeout-close');
    const c = await cluster(flow);
    const job = await within(flow().start('src', { hang: 1, v: 1 }, { runner: c.runner }).wait(), 8_000);
    expect(job === 'HANG' ? job : job.status).to.equal('failed');
    const closed = await within(Promise.all(c.workers.map((w) => w.close())).then(() => 'closed'), 5_000);
    expect(closed).to.equal('closed');
  });
});
