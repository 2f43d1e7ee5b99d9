/**
 * A remote job's `await pause()` leaves the handle paused, as a local job's does: the owner's
 * answer that settles the pause comes before the status its checkpoint publishes, and the
 * handle says paused at once, so a `resume()` right after is taken, not refused.
 */
import { expect } from 'chai';
import { Flow, Routine, type ExecutionContext, type JobState } from '../../lib/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { sleep } from '../fixtures/helpers.js';
import { startCluster, type Cluster } from './helpers.js';

/** `promise`'s outcome (its value, or the error it rejected with), or 'HANG' after `ms`. */
const outcome = <T>(promise: Promise<T>, ms = 5_000): Promise<T | Error | 'HANG'> =>
  Promise.race([promise.catch((error: unknown) => error as Error), sleep(ms).then(() => 'HANG' as const)]);
const statusOf = (got: JobState | Error | 'HANG'): string => (got === 'HANG' ? 'HANG' : got instanceof Error ? `${got.name}: ${got.message}` : got.status);

/** With `held`, the first turn waits for `held.gate` (the workers run in this process). */
const held = { running: false, gate: Promise.resolve(), release: (): void => undefined };
const hold = (): void => {
  held.running = false;
  held.gate = new Promise<void>((resolve) => (held.release = resolve));
};

/** work.trigger: `steps` turns of `ms` each, counted in shared data. */
function build(): Flow {
  const flow = new Flow({ flowId: 'remote-pause' });
  const work = new Routine();
  work.defineEvent('again');
  work.defineSlot<{ left: number; ms: number; held?: boolean }>('trigger', async (d, ctx: ExecutionContext) => {
    if (d.held === true) {
      held.running = true;
      await held.gate;
    }
    await sleep(d.ms);
    ctx.setSharedData('steps', ((ctx.getSharedData('steps') as number | undefined) ?? 0) + 1);
    if (d.left > 1) ctx.emit('again', { left: d.left - 1, ms: d.ms });
  });
  flow.addRoutine(work, 'work');
  flow.connect('work', 'again', 'work', 'trigger');
  return flow;
}

describe('routilux/bullmq: a remote pause() resolves with the handle paused', function () {
  this.timeout(30_000);
  const redis = useRedis();
  let cluster: Cluster;
  before(async () => {
    cluster = await startCluster(redis, build, 1);
    redis.atStop(() => outcome(cluster.close(), 3_000));
  });

  it('status, state and resume() right after await pause(), as in-process, every time', async () => {
    for (let i = 0; i < 5; i++) {
      const job = build().start('work', { left: 3, ms: 40 }, { runner: cluster.runner });
      await sleep(20);
      const paused = await outcome(job.pause('look'));
      expect([statusOf(paused), job.state.status], `round ${i}`).to.deep.equal(['paused', 'paused']);
      let refused: unknown;
      try {
        job.resume();
      } catch (error) {
        refused = error;
      }
      expect(refused, `round ${i}: resume() right after the pause`).to.equal(undefined);
      const done = await outcome(job.wait());
      expect([statusOf(done), done instanceof Object && 'getSharedData' in done ? done.getSharedData('steps') : undefined]).to.deep.equal(['completed', 3]);
    }
  });

  it('a state$ subscriber that resumes the paused job on the current state sees it running, then completed (subscribed to changes first, as in-process)', async () => {
    const job = build().start('work', { left: 2, ms: 40 }, { runner: cluster.runner });
    await sleep(20);
    expect(statusOf(await outcome(job.pause('look')))).to.equal('paused');
    const seen: string[] = [];
    const done = new Promise<void>((resolve) => {
      job.state$.subscribe({
        next: (s) => {
          seen.push(s.status);
          if (seen.length === 1) job.resume();
        },
        complete: resolve,
      });
    });
    expect(await outcome(done, 10_000)).to.not.equal('HANG');
    expect(seen[0]).to.equal('paused');
    expect(seen[1], `statuses seen: ${seen.join(', ')}`).to.equal('running');
    expect(seen.at(-1)).to.equal('completed');
  });

  it('a state$ subscriber that resumes the paused job on the first snapshot hears running before resume() returns, as in-process (not only from the owner, whose saves may coalesce running into completed)', async () => {
    // The first turn is held until the pause is sent (a loaded machine may end a 2 x 40 ms job before a pause gets there).
    hold();
    const job = build().start('work', { left: 2, ms: 40, held: true }, { runner: cluster.runner });
    for (let i = 0; i < 500 && !held.running; i++) await sleep(10);
    const pausing = outcome(job.pause('look'));
    for (let i = 0; i < 500 && job.state.status !== 'paused'; i++) await sleep(10); // (the pause reached the owner)
    held.release();
    expect(statusOf(await pausing)).to.equal('paused');
    const seen: string[] = [];
    let afterResume: string[] = [];
    const done = new Promise<void>((resolve) => {
      job.state$.subscribe({
        next: (s) => {
          seen.push(s.status);
          if (seen.length === 1) {
            job.resume();
            afterResume = [...seen];
          }
        },
        complete: resolve,
      });
    });
    expect(afterResume).to.deep.equal(['paused', 'running']);
    expect(await outcome(done, 10_000)).to.not.equal('HANG');
    expect(seen.at(-1)).to.equal('completed');
  });
});
