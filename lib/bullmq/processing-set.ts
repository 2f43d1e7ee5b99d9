import type { Worker } from 'bullmq';
import { settledWithin } from './settled-within.js';

/**
 * @internal The jobs a BullMQ worker of ours is processing, so that closing can wait for them up
 * to a deadline and then let BullMQ close with force (its own graceful close waits for them for
 * ever: one handler that never settles, or a Redis that stopped answering, would keep it).
 *
 * @example
 * ```ts
 * const processing = new ProcessingSet();
 * const worker = new Worker(name, processing.wrap(processor), { connection });
 * const drained = await processing.drainAndClose(worker, Date.now() + 30_000);
 * ```
 */
export class ProcessingSet {
  private readonly running = new Set<Promise<void>>();

  /** How many are being processed. */
  get size(): number {
    return this.running.size;
  }

  /** `processor`, counting each job while it is processed. */
  wrap<J, T extends unknown[]>(processor: (job: J, ...rest: T) => Promise<void>): (job: J, ...rest: T) => Promise<void> {
    return (job, ...rest) => {
      const done = processor(job, ...rest);
      this.running.add(done);
      const drop = (): void => void this.running.delete(done);
      done.then(drop, drop);
      return done;
    };
  }

  /**
   * Takes no more jobs, waits for those being processed until `deadline` (epoch ms), then closes
   * `worker`, with force if some are still processed (their BullMQ locks lapse: stall recovery
   * delivers them again). Resolves whether every one settled in time.
   */
  async drainAndClose(worker: Worker, deadline: number): Promise<boolean> {
    await worker.pause(true);
    const drained = await settledWithin(Promise.allSettled([...this.running]), deadline - Date.now());
    await worker.close(!drained);
    return drained;
  }
}
