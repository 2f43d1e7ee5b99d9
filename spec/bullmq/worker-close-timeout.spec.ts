/**
 * `worker.close()` never waits for ever on a handler that never settles: after `closeTimeout` it
 * hands the job over as it is (its in-flight activation stored as a running task, which the next
 * owner runs again, as after a crash; aborted here), and a pool member lets a pool activation
 * still running go to BullMQ's stall recovery. Both are reported on `errors$`.
 */
import { expect } from 'chai';
import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { Flow, Routine, type ExecutionContext, type JobState } from '../../lib/index.js';
import { TimeoutError } from '../../lib/errors/errors.js';
import { useRedis } from '../helpers/use-redis.js';
import { findRedisServer, startRedisServer } from '../helpers/redis-server.js';
import { childScript } from '../helpers/child-script.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome, or 'HANG' after `ms`. */
const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'HANG'> => Promise.race([promise, sleep(ms).then(() => 'HANG' as const)]);
const statusOf = (got: JobState | 'HANG'): unknown => (got === 'HANG' ? got : [got.status, got.getSharedData('v')]);

/** Runs of the handler, and the abort reasons its runs saw. */
const seen = { runs: 0, aborted: [] as string[] };

/** work.trigger (on the owner, or with `pool`, on the pool): its first run never settles (ignoring its signal); later runs set v. */
function build(flowId: string, pool = false): () => Flow {
  return () => {
    const flow = new Flow({ flowId });
    const work = new Routine();
    work.defineSlot<{ v: number }>('trigger', (d, ctx: ExecutionContext) => {
      ctx.signal.addEventListener('abort', () => seen.aborted.push(String((ctx.signal.reason as Error)?.name)));
      if (++seen.runs === 1) return new Promise<void>(() => undefined);
      ctx.setSharedData('v', d.v);
      return undefined;
    });
    if (pool) work.setPlacement('pool');
    flow.addRoutine(work, 'work');
    return flow;
  };
}

describe('routilux/bullmq: worker.close() with a handler that never settles', function () {
  this.timeout(30_000);
  const redis = useRedis();
  const clusters: Cluster[] = [];
  redis.atStop(() => Promise.all(clusters.map((c) => within(c.close(), 5_000))));

  it('hands the job over after closeTimeout: close() settles, the next owner runs the activation again, the job completes', async () => {
    const flow = build('close-timeout-owner');
    const c = await startCluster(redis, flow, 1, { closeTimeout: 400 });
    clusters.push(c);
    [seen.runs, seen.aborted.length] = [0, 0];
    const job = flow().start('work', { v: 7 }, { runner: c.runner });
    while (seen.runs === 0) await sleep(5);
    await c.addWorker({ closeTimeout: 400 });
    const started = Date.now();
    expect(await within(c.workers[0].close().then(() => 'closed'), 5_000)).to.equal('closed');
    expect(Date.now() - started, 'close() waited about closeTimeout').to.be.within(350, 3_000);
    expect(c.errors.some((e) => e instanceof TimeoutError && /did not settle within closeTimeout/.test(e.message)), 'reported').to.equal(true);
    expect(seen.aborted, 'the local run was aborted when dropped').to.deep.equal(['CancelledError']);
    expect(statusOf(await within(job.wait(), 8_000))).to.deep.equal(['completed', 7]);
    expect(seen.runs, 'run again once, on the next owner').to.equal(2);
  });

  it('a pool member lets a running pool activation go after closeTimeout: close() settles, stall recovery runs it on another member', async () => {
    const flow = build('close-timeout-pool', true);
    // The owner runs no pool activations; one member does.
    const c = await startCluster(redis, flow, 1, { pool: { concurrency: 0 } });
    clusters.push(c);
    const member = await c.addWorker({ concurrency: 0, pool: { concurrency: 1 }, closeTimeout: 300 });
    [seen.runs, seen.aborted.length] = [0, 0];
    const job = flow().start('work', { v: 9 }, { runner: c.runner });
    while (seen.runs === 0) await sleep(5);
    await c.addWorker({ concurrency: 0, pool: { concurrency: 1 } });
    const started = Date.now();
    expect(await within(member.close().then(() => 'closed'), 5_000)).to.equal('closed');
    expect(Date.now() - started, 'close() waited about closeTimeout').to.be.within(250, 3_000);
    expect(c.errors.some((e) => e instanceof TimeoutError && /left to BullMQ's stall recovery/.test(e.message)), 'reported').to.equal(true);
    expect(statusOf(await within(job.wait(), 10_000))).to.deep.equal(['completed', 9]);
    expect(seen.runs, 'run again once, on the other member').to.equal(2);
  });

  it('closeTimeout is checked: a bad value is a ConfigurationError naming the option', async () => {
    const c = await startCluster(redis, build('close-timeout-bad'), 0);
    clusters.push(c);
    for (const bad of [-1, 1.5, 'soon', 2 ** 31]) {
      const refused = await c.addWorker({ closeTimeout: bad as never }).then(
        () => 'accepted',
        (error: Error) => `${error.name}: ${error.message}`,
      );
      expect(refused, String(bad)).to.match(/^ConfigurationError: runWorker: option closeTimeout must be/);
    }
  });

  it('Redis gone: close() still settles (closeTimeout + lockDuration), says so on errors$, and nothing of it keeps the process alive for long', async () => {
    const server = await startRedisServer(findRedisServer().binary!);
    try {
      const script = await childScript(fileURLToPath(new URL('../fixtures/close-dead-redis-child.ts', import.meta.url)));
      const child = spawn(process.execPath, [script, server.socket, String(server.pid)], { stdio: ['ignore', 'pipe', 'inherit'] });
      let out = '';
      child.stdout!.setEncoding('utf8').on('data', (chunk: string) => (out += chunk));
      const code = await within(new Promise<number | null>((resolve) => child.once('exit', (c) => resolve(c))), 20_000);
      if (code === 'HANG') child.kill('SIGKILL');
      expect(code, `the child ended by itself (output: ${out})`).to.equal(0);
      const took = Number(/^closed (\d+)$/m.exec(out)?.[1]);
      expect(took, 'close() took about closeTimeout + lockDuration').to.be.within(1_000, 4_000);
      expect(out).to.match(/error TimeoutError: job '.*': 1 in-flight activation\(s\) did not settle within closeTimeout/);
      expect(out).to.match(/error TimeoutError: runWorker: close\(\) did not finish within closeTimeout \+ lockDuration/);
    } finally {
      await server.stop();
    }
  });
});
