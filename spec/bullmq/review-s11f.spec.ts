/**
 * Review s11f: adversarial review of the closed-runner follow-ups (96c9000). Each "FINDING"
 * failed on the tree it was written on (main at 96c9000).
 */
import { expect } from 'chai';
import { config } from 'rxjs';
import { Flow, Routine, type ExecutionContext, type JobState } from '../../lib/index.js';
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep, until } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

class Slow extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot<{ n: number; ms: number }>('trigger', async (data, ctx: ExecutionContext) => {
      await sleep(data.ms);
      ctx.setSharedData('count', ctx.getSharedData<number>('count', 0) + 1);
      if (data.n > 1) this.emit('out', { n: data.n - 1, ms: data.ms });
    });
  }
}

function build(): Flow {
  const flow = new Flow({ flowId: 'review-s11f' });
  flow.addRoutine(new Slow(), 'slow');
  flow.connect('slow', 'out', 'slow', 'trigger');
  return flow;
}

function outcome(promise: Promise<unknown>, ms = 3_000): Promise<string> {
  return Promise.race([
    promise.then(
      (s) => `resolved ${(s as { status?: string } | undefined)?.status}`,
      (e: unknown) => (e instanceof Error ? `${e.name}: ${e.message}` : String(e)),
    ),
    sleep(ms).then(() => 'still pending'),
  ]);
}

describe('routilux/bullmq: review s11f, the closed runner', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    redis.atStop(() => cluster.close());
  });

  after(async () => {
    for (const id of (await cluster.runner.store.list?.().catch(() => [])) ?? []) {
      await cluster.runner.job(build(), id).then((j) => j.cancel().catch(() => undefined), () => undefined);
    }
  });

  /**
   * `job.state$.subscribe(render)` (no error callback) is how state$ is used everywhere (an
   * in-process job's state$ never errors: it completes at a terminal status). RemoteView.lose
   * errors the state$ Subject, and RxJS reports an error without a handler by throwing it from
   * a timeout: closing a runner (a shutdown) crashes the process of whoever watched a handle.
   */
  it('FINDING state$ subscribed with a next callback only: runner.close() raises an uncaught exception', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const job = build().start('slow', { n: 60, ms: 50 }, { runner });
    await until(() => job.state.status === 'running', 'running');
    const seen: JobState[] = [];
    const sub = job.state$.subscribe((s) => seen.push(s));
    const unhandled: unknown[] = [];
    const previous = config.onUnhandledError;
    // Caught where RxJS reports it (otherwise it is thrown from a timeout: an uncaught exception).
    config.onUnhandledError = (error: unknown): void => void unhandled.push(error);
    try {
      await runner.close();
      await sleep(100);
      expect(seen.length).to.be.greaterThan(0);
      expect(unhandled.map(String), 'errors RxJS reports as unhandled (thrown to the process without this hook)').to.deep.equal([]);
    } finally {
      config.onUnhandledError = previous;
      sub.unsubscribe();
    }
  });

  /**
   * runner.close() while a start is being submitted (registered, not yet queued): the view is
   * not followed yet, so close() does not lose it; the submit then fails on the closed
   * connection and the handle says `failed` with ioredis' raw "Connection is closed." (a plain
   * Error), its wait() resolving. README: what waits on a closed runner's handles is rejected
   * with a JobStateError, and a closed runner refuses work with a ConfigurationError.
   */
  it('FINDING a close during start\'s submit: the handle fails with a raw "Connection is closed." and wait() resolves, instead of the closed-runner error', async () => {
    const runner = new BullMQRunner({ connection: redis.connection, prefix: cluster.prefix });
    const job = build().start('slow', { n: 3, ms: 20 }, { runner });
    const closing = runner.close();
    const waited = outcome(job.wait());
    await closing;
    const got = await waited;
    await sleep(500);
    const stored = await cluster.runner.store.load(job.jobId);
    if (stored !== undefined) return; // queued after all: then the handle follows it (other specs)
    const error = job.state.error;
    const ok = /^(JobStateError|ConfigurationError): .*[Cc]losed/.test(got) || error?.name === 'ConfigurationError' || error?.name === 'JobStateError';
    expect(ok, `never queued; wait(): ${got}; handle ${job.state.status}, error ${JSON.stringify(error)}`).to.equal(true);
  });
});
