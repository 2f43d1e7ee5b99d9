import type { Payload } from '../routine/payload.js';
import type { Slot } from '../routine/slot.js';
import type { Event } from '../routine/event.js';
import type { PendingTask } from '../state/records.js';
import { Task } from './task.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal The flow's FIFO of tasks: a growable ring buffer stored column-wise. A queued
 * task is five array slots and one unboxed double, not an object: a queue of a million tasks
 * costs ~30 MB instead of ~100, and the GC has no task objects to promote and copy. A `Task`
 * object exists only while a task must outlive the dispatch loop (async, retry, pause, failure).
 */
export class TaskQueue {
  private capacity = 1024;
  private mask = 1023;
  private jobs: Array<JobRuntime | undefined> = new Array(1024);
  private slots: Array<Slot | undefined> = new Array(1024);
  private data: Array<Payload | undefined> = new Array(1024);
  private sources: Array<Event | undefined> = new Array(1024);
  private attempts = new Int32Array(1024);
  private enqueued = new Float64Array(1024);
  private head = 0;
  size = 0;

  push(job: JobRuntime, slot: Slot, data: Payload, attempt: number, enqueuedAt: number, source: Event | undefined): void {
    if (this.size === this.capacity) this.grow();
    const i = (this.head + this.size) & this.mask;
    this.jobs[i] = job;
    this.slots[i] = slot;
    this.data[i] = data;
    this.sources[i] = source;
    this.attempts[i] = attempt;
    this.enqueued[i] = enqueuedAt;
    this.size++;
  }

  pushTask(task: Task): void {
    this.push(task.job, task.slot, task.data, task.attempt, task.enqueuedAt, task.source);
  }

  /** Moves the head task into `into` (the dispatcher's scratch task) and drops it from the queue. */
  shiftInto(into: Task): void {
    const i = this.head;
    into.job = this.jobs[i]!;
    into.slot = this.slots[i]!;
    into.data = this.data[i]!;
    into.source = this.sources[i];
    into.attempt = this.attempts[i];
    into.enqueuedAt = this.enqueued[i];
    this.jobs[i] = undefined;
    this.slots[i] = undefined;
    this.data[i] = undefined;
    this.sources[i] = undefined;
    this.head = (i + 1) & this.mask;
    this.size--;
  }

  /** Removes and returns the tasks of `job`, in order; the others keep their order. */
  extract(job: JobRuntime): Task[] {
    const taken: Task[] = [];
    if (job.queued === 0) return taken;
    const n = this.size;
    let write = 0;
    for (let k = 0; k < n; k++) {
      const i = (this.head + k) & this.mask;
      if (this.jobs[i] === job) {
        taken.push(new Task(job, this.slots[i]!, this.data[i]!, this.attempts[i], this.enqueued[i], this.sources[i]));
        continue;
      }
      if (write !== k) this.move(i, (this.head + write) & this.mask);
      write++;
    }
    for (let k = write; k < n; k++) this.clear((this.head + k) & this.mask);
    this.size = write;
    return taken;
  }

  /** Views of the tasks of `job`, in order, without removing them. */
  viewsOf(job: JobRuntime, out: PendingTask[]): void {
    if (job.queued === 0) return;
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & this.mask;
      if (this.jobs[i] !== job) continue;
      const source = this.sources[i];
      const view: { -readonly [K in keyof PendingTask]: PendingTask[K] } = {
        routineId: this.slots[i]!.routine.id,
        slotName: this.slots[i]!.name,
        data: this.data[i]!,
        attempt: this.attempts[i],
        enqueuedAt: this.enqueued[i],
      };
      if (source !== undefined) view.source = { routineId: source.routine.id, eventName: source.name };
      out.push(view);
    }
  }

  private move(from: number, to: number): void {
    this.jobs[to] = this.jobs[from];
    this.slots[to] = this.slots[from];
    this.data[to] = this.data[from];
    this.sources[to] = this.sources[from];
    this.attempts[to] = this.attempts[from];
    this.enqueued[to] = this.enqueued[from];
  }

  private clear(i: number): void {
    this.jobs[i] = undefined;
    this.slots[i] = undefined;
    this.data[i] = undefined;
    this.sources[i] = undefined;
  }

  private grow(): void {
    const capacity = this.capacity * 2;
    const jobs: Array<JobRuntime | undefined> = new Array(capacity);
    const slots: Array<Slot | undefined> = new Array(capacity);
    const data: Array<Payload | undefined> = new Array(capacity);
    const sources: Array<Event | undefined> = new Array(capacity);
    const attempts = new Int32Array(capacity);
    const enqueued = new Float64Array(capacity);
    for (let k = 0; k < this.size; k++) {
      const i = (this.head + k) & this.mask;
      jobs[k] = this.jobs[i];
      slots[k] = this.slots[i];
      data[k] = this.data[i];
      sources[k] = this.sources[i];
      attempts[k] = this.attempts[i];
      enqueued[k] = this.enqueued[i];
    }
    this.jobs = jobs;
    this.slots = slots;
    this.data = data;
    this.sources = sources;
    this.attempts = attempts;
    this.enqueued = enqueued;
    this.capacity = capacity;
    this.mask = capacity - 1;
    this.head = 0;
  }
}
