import type { Queue } from 'bullmq';

interface Pending {
  job: { name: string; data: unknown; opts: Record<string, unknown> };
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
  private readonly pending = new Map<Queue, Pending[]>();

  add(queue: Queue, name: string, data: unknown, opts: Record<string, unknown>): Promise<void> {
    let batch = this.pending.get(queue);
    if (batch === undefined) {
      this.pending.set(queue, (batch = []));
      queueMicrotask(() => this.flush(queue));
    }
    return new Promise((done, failed) => batch.push({ job: { name, data, opts }, done, failed }));
  }

  private flush(queue: Queue): void {
    const items = this.pending.get(queue) ?? [];
    this.pending.delete(queue);
    // One job alone goes by `add` (one script call, auto-pipelined with the tick's other commands): addBulk builds a pipeline for it.
    const added = items.length === 1 ? queue.add(items[0].job.name, items[0].job.data, items[0].job.opts as never) : queue.addBulk(items.map((i) => i.job));
    added.then(
      () => items.forEach((i) => i.done()),
      (error: unknown) => items.forEach((i) => i.failed(error)),
    );
  }
}
