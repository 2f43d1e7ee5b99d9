import { WaitingError, type Job, type Worker } from 'bullmq';
import { settledWithin } from '../core/settled-within.js';
import { SlotMap } from '../core/slot-map.js';

/**
 * @internal The jobs a BullMQ worker of ours is processing, so that closing can wait for them up
 * to a deadline and then let BullMQ close with force (its own graceful close waits for them for
 * ever: one handler that never settles, or a Redis that stopped answering, would keep it).
 *
 * @example
 * ```ts
 * const processing = new ProcessingSet();
 * const worker = new Worker(name, processing.wrap(processor), { connection });
 * const left = await processing.drainAndClose(worker, Date.now() + 30_000); // 0: all settled in time
 * ```
 */
export class ProcessingSet {
  /** By a number of its own (a Set churned by every job kept its left tables, and what they held, past the scavenges: see SlotMap). */
  private readonly running = new SlotMap<number, Promise<void>>();
  private nextKey = 0;
  /** Jobs are no longer taken (see {@link drainAndClose}). */
  private stopped = false;

  /** How many are being processed. */
  get size(): number {
    return this.running.size;
  }

  /**
   * `processor`, counting each job while it is processed. Once taking stopped, a job BullMQ still
   * delivers (a fetch already on its way when the worker paused) goes back to the queue unprocessed.
   */
  wrap<D>(processor: (job: Job<D>, token?: string) => Promise<void>): (job: Job<D>, token?: string) => Promise<void> {
    return (job, token) => {
      const done = this.stopped ? putBack(job, token) : processor(job, token);
      const key = this.nextKey++;
      this.running.set(key, done);
      const drop = (): void => void this.running.delete(key);
      done.then(drop, drop);
      return done;
    };
  }

  private pending(): Promise<void>[] {
    const all: Promise<void>[] = [];
    this.running.forEach((p) => all.push(p));
    return all;
  }

  /** Takes no more jobs (those being processed go on). */
  async stopTaking(worker: Worker): Promise<void> {
    this.stopped = true;
    await worker.pause(true);
  }

  /**
   * Takes no more jobs, waits for those being processed until `deadline` (epoch ms), then closes
   * `worker`, with force if some are still processed (their BullMQ locks lapse: stall recovery
   * delivers them again). Resolves how many were still processed at the deadline (0: none).
   */
  async drainAndClose(worker: Worker, deadline: number): Promise<number> {
    await this.stopTaking(worker);
    const drained = await settledWithin(Promise.allSettled(this.pending()), deadline - Date.now());
    const left = drained ? 0 : this.running.size;
    await worker.close(left > 0);
    return left;
  }
}

/** Puts a job delivered after taking stopped back in the queue, for another worker. */
async function putBack(job: Job, token: string | undefined): Promise<never> {
  await job.moveToWait(token);
  throw new WaitingError();
}

/**
 * @internal Drops a BullMQ worker at once (Redis stopped answering a closing worker): its
 * connections, and its lock renewals. A graceful close begun already may be stuck waiting for
 * the server, and a later close(true) returns that same close; the lock manager's timer would
 * then re-arm for ever and keep the process alive. BullMQ has no public way to stop it alone, so
 * its lock manager (a protected field of Worker; absent in another version: then only the rest happens) is
 * closed directly.
 *
 * @example
 * ```ts
 * dropWorker(worker);
 * ```
 */
export function dropWorker(worker: Worker): void {
  void worker.close(true).catch(() => undefined);
  void (worker as unknown as { lockManager?: { close?(): Promise<void> } }).lockManager?.close?.().catch(() => undefined);
  void worker.disconnect().catch(() => undefined);
}
