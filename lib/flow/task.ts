import type { Subscription } from 'rxjs';
import type { Payload } from '../routine/payload.js';
import type { Slot } from '../routine/slot.js';
import type { Event } from '../routine/event.js';
import type { PendingTask } from '../state/records.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal One queued activation: a slot to run for a job with a payload. The attempt count
 * lives here, never on a handler, so retries survive pause, persistence and resume.
 */
export class Task {
  /** Set while a retry waits for its backoff: when it becomes runnable (scheduler time). */
  dueAt: number | undefined = undefined;
  timer: Subscription | undefined = undefined;
  private cached: PendingTask | undefined = undefined;

  constructor(
    readonly job: JobRuntime,
    readonly slot: Slot,
    readonly data: Payload,
    public attempt: number,
    readonly enqueuedAt: number,
    readonly source: Event | undefined,
  ) {}

  /** The frozen, serializable view kept in snapshots (cached until the task changes). */
  view(): PendingTask {
    if (this.cached !== undefined) return this.cached;
    const view: { -readonly [K in keyof PendingTask]: PendingTask[K] } = {
      routineId: this.slot.routine.id,
      slotName: this.slot.name,
      data: this.data,
      attempt: this.attempt,
      enqueuedAt: this.enqueuedAt,
    };
    if (this.source !== undefined) view.source = Object.freeze({ routineId: this.source.routine.id, eventName: this.source.name });
    if (this.dueAt !== undefined) view.dueAt = this.dueAt;
    return (this.cached = Object.freeze(view));
  }

  /** Call after changing `attempt` or `dueAt`. */
  changed(): void {
    this.cached = undefined;
  }
}
