/**
 * Adversarial review s16a (Redis part) of 5fbdced: a job failure tells the pool to abort its
 * in-flight pool activations only once the owner's fenced save stored the failure, which the
 * owner decides at the end of its ownership (OwnedJob.forgetLocal: `dispose(!lost && status ===
 * 'failed')`), from the job's status *then*, not from the failure's store.
 *
 * FINDING 1: a failed job that its own owner resumes (a resume read before the owner let the
 * failed job go: the failure's save does not release while a command is unread) ends its
 * ownership 'completed' (or paused, or running at a handoff): `dispose(false)`, and the words
 * the failure queued (PoolResults.whenFailureStored) are dropped. The failed run's pool
 * activation is never told to abort (nor taken off the queue): its handler runs on, holding
 * its pool slot, until it settles by itself. Before 5fbdced the word went at once. Here the
 * pool has one slot: the resumed run's own pool activation waits behind the failed run's, so
 * the resumed job stalls for as long as the abandoned handler runs (it honours its signal, as
 * a handler should, and is bounded at 8 s here).
 *
 * The resume is appended to the control stream through the client's link (what
 * RemoteJob.resume sends) just before the failure, so that it is certainly unread when the
 * failure is saved; a client resuming a failed job it saw published lands in the same window
 * only when its command beats the owner's release (a race, the same code path).
 *
 * Fixed: the words go when the fenced save of the failed state lands (OwnedJob.landed →
 * PoolResults.failureStored), or when the owner resumes the failed run (nextIncarnation).
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext, type Job } from '../../lib/index.js';
import { RedisJobStore } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

const within = <T>(promise: Promise<T>, ms: number): Promise<T | 'HANG'> => Promise.race([promise, sleep(ms).then(() => 'HANG' as const)]);

/** What the pool handler did, per call: `start#n`, `aborted#n` (its signal, with the reason's name), `done#n`. */
const log: string[] = [];
let workCalls = 0;
let boomCalls = 0;
/** The client's view of the job (its link appends the resume). */
let clientJob: Job | undefined;

/**
 * src.trigger → work (pool: the first call runs until its signal aborts, at most 8 s; later
 * calls return at once) and → boom (owner: the first call, 150 ms later, appends a resume of
 * its own job to the control stream, then throws: STOP fails the job).
 */
function build(): Flow {
  const flow = new Flow({ flowId: 'review-s16a-resume', executionStrategy: 'concurrent', maxWorkers: 8 });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (_d: unknown, ctx: ExecutionContext) => ctx.emit('out', {}));
  const work = new Routine();
  work.defineSlot('in', async (_d: unknown, ctx: ExecutionContext) => {
    const n = ++workCalls;
    log.push(`start#${n}`);
    if (n > 1) return void log.push(`done#${n}`);
    await new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, 8_000);
      ctx.signal.addEventListener('abort', () => (clearTimeout(bound), log.push(`aborted#${n}:${(ctx.signal.reason as Error)?.name}`), resolve()), { once: true });
    });
    log.push(`done#${n}`);
  });
  work.setPlacement('pool');
  const boom = new Routine();
  boom.defineSlot('in', async () => {
    if (++boomCalls > 1) return;
    await sleep(150); // work is on the pool by then
    const job = clientJob!;
    const remote = job as unknown as { flow: Flow; link: { control(flow: Flow, id: string, c: { op: 'resume' }): Promise<unknown> } };
    await remote.link.control(remote.flow, job.jobId, { op: 'resume' }); // unread by the owner when the failure is saved
    throw new Error('boom');
  });
  flow.addRoutine(src, 'src');
  flow.addRoutine(work, 'work');
  flow.addRoutine(boom, 'boom');
  flow.connect('src', 'out', 'work', 'in');
  flow.connect('src', 'out', 'boom', 'in');
  return flow;
}

describe('review s16a: a failed job’s abort word waits for the failure to be stored (Redis)', function () {
  this.timeout(40_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1, { pool: { concurrency: 1 } });
    redis.atStop(() => within(cluster.close(), 10_000));
  });

  it('FINDING 1: a failed job resumed by its own owner (the resume read before it let the failure go) never tells the pool to abort the failed run’s activation: the handler runs on, holding the one pool slot, and the resumed job waits behind it', async () => {
    const started = Date.now();
    clientJob = build().start('src', {}, { runner: cluster.runner, jobId: 's16a-resume:1' });
    // (The client's view keeps the failure published first: it did not send the resume itself. The store tells.)
    const store = new RedisJobStore({ connection: redis.connection, prefix: cluster.prefix });
    let status: string | undefined;
    for (let i = 0; i < 400 && status !== 'completed'; i++) status = (await sleep(50), (await store.load(clientJob.jobId))?.status);
    await store.close();
    const took = Date.now() - started;
    expect(boomCalls, 'boom ran twice: failed, then resumed').to.equal(2);
    expect(status).to.equal('completed');
    // The failed run's activation was told to abort (by the failure's name), as before 5fbdced,
    // once the failure was stored: the resumed run's activation got the slot without waiting 8 s.
    expect({ aborted: log.filter((l) => l.startsWith('aborted#1')), slow: took > 5_000 }, `${log.join(' ')} (${took} ms)`).to.deep.equal({ aborted: ['aborted#1:JobFailedError'], slow: false });
  });
});
