import type { Event } from '../model/event.js';
import type { Connection } from '../model/connection.js';
import type { Payload } from '../core/payload.js';
import { Task } from './task.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal Delivers one emit along `event`'s connections in the general case: the job parks what arrives
 * while it is paused, failed or waiting for its lease (in order), and, while `inspect$` is
 * watched, keeps each delivery's cause (the emitting activation) for its activation-start
 * record. `JobRuntime.emitFrom` calls {@link queueAll} for the common case (dispatching,
 * nobody inspecting) and this for the rest. Both are out of it: V8 inlines by bytecode size,
 * out of a budget per optimized function, and with them in line the emit path did not fit
 * (the queue's push and the history's were calls on every emit).
 *
 * @example
 * ```ts
 * deliverEach(job, event, data, job.now(), ctx.seq);
 * ```
 */
export function deliverEach(job: JobRuntime, event: Event, data: Payload, now: number, cause: number | undefined): void {
  const targets = event._targets;
  const paused = !job.active || job.gated; // paused, failed or waiting for its lease: park, in order
  const causes = cause !== undefined && targets.length > 0 && job.owner.inspecting ? (job.causes ??= new Map()) : undefined;
  for (let i = 0; i < targets.length; i++) {
    const c = targets[i];
    const seq = ++job.lastSeq;
    if (paused) {
      const task = new Task(job, c.slot, c.map(data), 1, now, event);
      task.seq = seq;
      job.work.park(task);
    } else job.dispatcher.queue.push(job, c, c.map(data), 1, now, seq);
    causes?.set(seq, cause!);
    job.tracker.recordDelivery(c, now);
  }
  if (targets.length > 0 && !paused) job.dispatcher.request();
}

/**
 * @internal Queues one emit along `targets` for a job that is dispatching, with nobody
 * inspecting (no causes to keep): {@link deliverEach}'s common case, the one every emit of a
 * running job takes.
 *
 * @example
 * ```ts
 * queueAll(job, event._targets, data, job.now());
 * ```
 */
export function queueAll(job: JobRuntime, targets: readonly Connection[], data: Payload, now: number): void {
  const queue = job.dispatcher.queue;
  for (let i = 0; i < targets.length; i++) {
    const c = targets[i];
    const seq = ++job.lastSeq;
    queue.push(job, c, c.map(data), 1, now, seq);
    job.tracker.recordDelivery(c, now);
  }
  job.dispatcher.request();
}
