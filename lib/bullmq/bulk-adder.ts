import type { Queue } from 'bullmq';

/** The adds of one queue gathered this run of microtasks, and the promise they all settle with. */
interface Batch {
  jobs: Array<{ name: string; data: unknown; opts: Record<string, unknown> }>;
  settled: Promise<void>;
  done(): void;
  failed(error: unknown): void;
}

/**
 * @internal Adds BullMQ jobs in bulk: the adds asked for within one run of microtasks go to each queue as one
 * `addBulk` (one round trip for a client starting thousands of jobs, or an owner dispatching
 * many pool activations). Each add's promise settles with its batch.
 *
 * @example
 * ```ts
 * const adder = new BulkAdder();
 * await adder.add(queue, 'start', data, { jobId: 'a.1', removeOnComplete: true });
 * ```
 */
export class BulkAdder {
  private readonly pending = new Map<Queue, Batch>();

  add(queue: Queue, name: string, data: unknown, opts: Record<string, unknown>): Promise<void> {
    let batch = this.pending.get(queue);
    if (batch === undefined) {
      // One promise per batch, shared by its adds (they succeed or fail together): no promise
      // and resolvers per add for a client starting thousands of jobs in one go.
      let done!: () => void;
      let failed!: (error: unknown) => void;
      const settled = new Promise<void>((resolve, reject) => ((done = resolve), (failed = reject)));
      this.pending.set(queue, (batch = { jobs: [], settled, done, failed }));
      queueMicrotask(() => this.flush(queue));
    }
    batch.jobs.push({ name, data, opts });
    return batch.settled;
  }

  private flush(queue: Queue): void {
    const batch = this.pending.get(queue);
    if (batch === undefined) return;
    this.pending.delete(queue);
    const jobs = batch.jobs;
    // One job alone goes by `add` (one script call, auto-pipelined with the tick's other commands): addBulk builds a pipeline for it.
    let added: Promise<unknown>;
    try {
      added = jobs.length === 1 ? queue.add(jobs[0].name, jobs[0].data, jobs[0].opts as never) : queue.addBulk(jobs);
    } catch (error) {
      batch.failed(error); // a synchronous throw (a closed queue, bad options) fails the batch: no add waits forever
      return;
    }
    // Settled with nothing: BullMQ's Job objects are not kept alive by whoever holds the promise.
    added.then(() => batch.done(), batch.failed);
  }
}
