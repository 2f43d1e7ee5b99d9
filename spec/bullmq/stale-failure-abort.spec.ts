/**
 * A job that fails on its owner tells the pool to abort its pool activations in flight, and
 * takes those still queued off the pool queue, only once the owner's fenced save stored that
 * failure. An owner that lost the job without knowing it yet (a stale one: its lease expired, a
 * new owner replays the job) fails only its local copy: the new owner's replay runs the same
 * pool jobs (same keys), and a word from the stale owner would abort them, failing a job that
 * lives on elsewhere.
 *
 * The job runs in this process with the real pool executor (poolExecutor, PoolResults) and a
 * hand-made pool: no Redis. A cancel stays told at once (a cancel is a command, applied by every
 * owner alike).
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext, type Job } from '../../lib/index.js';
import { PoolResults } from '../../lib/bullmq/pool-results.js';
import { poolJobId } from '../../lib/bullmq/wire.js';
import { fakePool } from '../helpers/fake-pool.js';

/** src (owner) → p (pool: never answers here) and → f (owner: throws when `boom`, after p was sent). */
function build(flowId: string): Flow {
  const flow = new Flow({ flowId, executionStrategy: 'concurrent', maxWorkers: 4 }); // (p in flight while f runs; STOP, the default: f's error fails the job)
  const src = new Routine();
  src.defineEvent('out', ['boom']);
  src.defineSlot<{ boom?: boolean }>('trigger', (d, ctx: ExecutionContext) => ctx.emit('out', { boom: d.boom === true }));
  flow.addRoutine(src, 'src');
  const p = new Routine();
  p.defineSlot('in', () => undefined);
  p.setPlacement('pool');
  flow.addRoutine(p, 'p');
  const f = new Routine();
  f.defineSlot<{ boom: boolean }>('in', async (d) => {
    await new Promise((resolve) => setTimeout(resolve, 20)); // p is on the pool by then
    if (d.boom) throw new Error('f failed');
  });
  flow.addRoutine(f, 'f');
  flow.connect('src', 'out', 'p', 'in');
  flow.connect('src', 'out', 'f', 'in');
  return flow;
}


async function settled(job: Job): Promise<string> {
  const state = await job.wait({ timeout: 5_000 }).catch(() => job.state);
  return state.status;
}

const tick = (): Promise<void> => new Promise((resolve) => setTimeout(resolve, 10));

/** Ticks until `done` holds (at most 5 s): a tick alone can come before work queued with setImmediate when the loop is late. */
async function until(done: () => boolean): Promise<void> {
  for (const start = Date.now(); !done(); await tick()) if (Date.now() - start > 5_000) throw new Error('timed out');
}

describe('routilux/bullmq: a failed job’s word to the pool waits for its failure to be stored', function () {
  this.timeout(20_000);

  it('an owner whose failure is not stored (it lost the job: its save refused) tells the pool nothing and removes nothing: the new owner’s replay of the same pool job runs on', async () => {
    const flow = build('stale-failure-lost');
    const pool = fakePool(flow);
    const job = flow.start('src', { boom: true }, { jobId: 'stale:1' });
    expect(await settled(job)).to.equal('failed');
    await tick();
    expect(pool.sent).to.have.length(1);
    pool.results.dispose(); // the fenced save of the failure was refused: let go, not stored
    await tick();
    expect({ told: pool.told, removed: pool.removed }).to.deep.equal({ told: [], removed: [] });
  });

  it('an owner whose failure is stored tells the pool to abort (by the reason’s name) and takes the pool job off the queue, once', async () => {
    const flow = build('stale-failure-stored');
    const pool = fakePool(flow);
    const job = flow.start('src', { boom: true }, { jobId: 'stale:2' });
    expect(await settled(job)).to.equal('failed');
    await tick();
    expect(pool.told, 'nothing told before the failure is stored').to.deep.equal([]);
    pool.results.failureStored();
    await tick();
    const key = pool.sent[0];
    expect({ told: pool.told, removed: pool.removed }).to.deep.equal({ told: [`${key}\nJobFailedError`], removed: [poolJobId(key)] });
  });

  it('a cancel is told and unqueued at once (a command: the next owner applies it too)', async () => {
    const flow = build('stale-failure-cancel');
    const pool = fakePool(flow);
    const job = flow.start('src', {}, { jobId: 'stale:3' });
    await until(() => pool.sent.length > 0);
    expect(pool.sent).to.have.length(1);
    await job.cancel('user left');
    await tick();
    const key = pool.sent[0];
    expect({ told: pool.told, removed: pool.removed }).to.deep.equal({ told: [`${key}\nCancelledError`], removed: [poolJobId(key)] });
    pool.results.dispose();
  });

  it('PoolResults: a stop asked for once the failure is stored runs at once; a resume of the failed run here stops what that run let go; each stop runs once', () => {
    const results = new PoolResults();
    const log: string[] = [];
    results.whenFailureStored(() => log.push('a'));
    expect(log, 'not before the failure is stored').to.deep.equal([]);
    results.nextIncarnation(); // the failed run resumed here (its resume applied before its failure's save landed)
    expect(log, 'the run that failed is over for good').to.deep.equal(['a']);
    results.whenFailureStored(() => log.push('b')); // the new run failed too: not stored yet
    expect(log).to.deep.equal(['a']);
    results.failureStored();
    results.whenFailureStored(() => log.push('c')); // (an activation whose add resolved after the store landed)
    results.failureStored();
    expect(log).to.deep.equal(['a', 'b', 'c']);
    results.dispose();
  });
});

