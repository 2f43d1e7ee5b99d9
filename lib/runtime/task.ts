import type { Subscription } from 'rxjs';
import type { Payload } from '../core/payload.js';
import type { Slot } from '../model/slot.js';
import type { Event } from '../model/event.js';
import type { PendingTask } from '../core/records.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal One queued activation: a slot to run for a job with a payload. The attempt count
 * lives here, never on a handler, so retries survive pause, persistence and resume.
 */
export class Task {
  /** Set while a retry waits for its backoff: when it becomes runnable (scheduler time). */
  dueAt: number | undefined = undefined;
  /** What the handler received on the first attempt: retries and resumed runs re-use it. */
  merged: Payload | undefined = undefined;
  /** Set while a retry is parked (job paused or failed): the backoff it still has to wait. */
  delayLeft: number | undefined = undefined;
  timer: Subscription | undefined = undefined;
  private cached: PendingTask | undefined = undefined;
  /** The dispatcher's reusable task: anything that keeps it must {@link Task.retain} a copy. */
  scratch = false;
  /** Its number in the job, given when it is first queued (0 until then): `ctx.activationId`. */
  seq = 0;

  constructor(
    public job: JobRuntime,
    public slot: Slot,
    public data: Payload,
    public attempt: number,
    public enqueuedAt: number,
    public source: Event | undefined,
  ) {}

  /** This task, or a copy of it when it is the dispatcher's scratch task, safe to keep. */
  retain(): Task {
    if (!this.scratch) return this;
    const copy = new Task(this.job, this.slot, this.data, this.attempt, this.enqueuedAt, this.source);
    copy.merged = this.merged;
    copy.seq = this.seq;
    return copy;
  }

  /** The frozen, serializable view kept in snapshots (cached until the task changes). */
  view(): PendingTask {
    if (this.cached !== undefined) return this.cached;
    const view: { -readonly [K in keyof PendingTask]: PendingTask[K] } = {
      routineId: this.slot.routine.id,
      slotName: this.slot.name,
      data: this.data,
      attempt: this.attempt,
      enqueuedAt: this.enqueuedAt,
      seq: this.seq,
    };
    if (this.source !== undefined) view.source = Object.freeze({ routineId: this.source.routine.id, eventName: this.source.name });
    if (this.dueAt !== undefined) view.dueAt = this.dueAt;
    if (this.delayLeft !== undefined) view.delayLeft = this.delayLeft;
    if (this.merged !== undefined) view.merged = this.merged;
    return (this.cached = Object.freeze(view));
  }

  /** Call after changing `attempt` or `dueAt`. */
  changed(): void {
    this.cached = undefined;
  }
}
