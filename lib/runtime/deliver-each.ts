import type { Event } from '../model/event.js';
import type { Payload } from '../core/payload.js';
import { Task } from './task.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal Delivers one emit along `event`'s connections in the general case: the job parks what arrives
 * while it is paused, failed or waiting for its lease (in order), and, while `inspect$` is
 * watched, keeps each delivery's cause (the emitting activation) for its activation-start
 * record. `JobRuntime.emitFrom` does the common case (dispatching, nobody inspecting) in line
 * and comes here for the rest: kept out of it, these branches made it too large for V8 to
 * inline it (and the queue's push) into the activation path.
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
