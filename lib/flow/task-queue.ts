import type { Payload } from '../routine/payload.js';
import type { Slot } from '../routine/slot.js';
import type { Event } from '../routine/event.js';
import type { PendingTask } from '../state/records.js';
import { Task } from './task.js';
import type { JobRuntime } from './job-runtime.js';

const CHUNK = 4096;

/** A fixed block of queue entries, stored column-wise. */
class Chunk {
  readonly jobs: Array<JobRuntime | undefined> = new Array(CHUNK);
  readonly slots: Array<Slot | undefined> = new Array(CHUNK);
  readonly data: Array<Payload | undefined> = new Array(CHUNK);
  readonly sources: Array<Event | undefined> = new Array(CHUNK);
  /** Only retries and resumed activations carry one (see Task.merged). */
  readonly merged: Array<Payload | undefined> = new Array(CHUNK);
  readonly attempts = new Int32Array(CHUNK);
  readonly enqueued = new Float64Array(CHUNK);
  next: Chunk | undefined = undefined;
}

/**
 * @internal The flow's FIFO of tasks: a linked list of fixed-size chunks stored column-wise.
 * A queued task is four array slots plus an int and an unboxed double, not an object, so a
 * queue of a million tasks costs ~25 MB and gives the GC nothing to promote. Chunks never
 * grow by copying, and a drained chunk is recycled, so memory follows the queue's length.
 * A `Task` object exists only while a task must outlive the dispatch loop (async, retry,
 * pause, failure).
 */
export class TaskQueue {
  private head = new Chunk();
  private headIndex = 0;
  private tail = this.head;
  private tailIndex = 0;
  private spare: Chunk | undefined = undefined;
  size = 0;

  push(job: JobRuntime, slot: Slot, data: Payload, attempt: number, enqueuedAt: number, source: Event | undefined, merged?: Payload): void {
    if (this.tailIndex === CHUNK) {
      const chunk = this.spare ?? new Chunk();
      this.spare = undefined;
      this.tail.next = chunk;
      this.tail = chunk;
      this.tailIndex = 0;
    }
    const c = this.tail;
    const i = this.tailIndex++;
    c.jobs[i] = job;
    c.slots[i] = slot;
    c.data[i] = data;
    c.sources[i] = source;
    c.attempts[i] = attempt;
    c.enqueued[i] = enqueuedAt;
    c.merged[i] = merged;
    this.size++;
  }

  pushTask(task: Task): void {
    this.push(task.job, task.slot, task.data, task.attempt, task.enqueuedAt, task.source, task.merged);
  }

  /** Moves the head task into `into` (the dispatcher's scratch task) and drops it from the queue. */
  shiftInto(into: Task): void {
    if (this.headIndex === CHUNK) this.advance();
    const c = this.head;
    const i = this.headIndex++;
    into.job = c.jobs[i]!;
    into.slot = c.slots[i]!;
    into.data = c.data[i]!;
    into.source = c.sources[i];
    into.attempt = c.attempts[i];
    into.enqueuedAt = c.enqueued[i];
    into.merged = c.merged[i];
    c.jobs[i] = undefined;
    c.merged[i] = undefined;
    c.slots[i] = undefined;
    c.data[i] = undefined;
    c.sources[i] = undefined;
    if (--this.size === 0) this.rewind();
  }

  /** Removes and returns the tasks of `job`, in order; the others keep their order. */
  extract(job: JobRuntime): Task[] {
    const taken: Task[] = [];
    if (job.queued === 0) return taken;
    const kept = new TaskQueue();
    this.forEach((c, i) => {
      if (c.jobs[i] === job) {
        const task = new Task(job, c.slots[i]!, c.data[i]!, c.attempts[i], c.enqueued[i], c.sources[i]);
        task.merged = c.merged[i];
        taken.push(task);
      } else kept.push(c.jobs[i]!, c.slots[i]!, c.data[i]!, c.attempts[i], c.enqueued[i], c.sources[i], c.merged[i]);
    });
    this.head = kept.head;
    this.headIndex = kept.headIndex;
    this.tail = kept.tail;
    this.tailIndex = kept.tailIndex;
    this.size = kept.size;
    return taken;
  }

  /** Appends views of the tasks of `job` to `out`, in order, without removing them. */
  viewsOf(job: JobRuntime, out: PendingTask[]): void {
    if (job.queued === 0) return;
    this.forEach((c, i) => {
      if (c.jobs[i] !== job) return;
      const source = c.sources[i];
      const view: { -readonly [K in keyof PendingTask]: PendingTask[K] } = {
        routineId: c.slots[i]!.routine.id,
        slotName: c.slots[i]!.name,
        data: c.data[i]!,
        attempt: c.attempts[i],
        enqueuedAt: c.enqueued[i],
      };
      if (source !== undefined) view.source = { routineId: source.routine.id, eventName: source.name };
      if (c.merged[i] !== undefined) view.merged = c.merged[i];
      out.push(view);
    });
  }

  private forEach(fn: (chunk: Chunk, index: number) => void): void {
    let c: Chunk | undefined = this.head;
    let i = this.headIndex;
    for (let left = this.size; left > 0; left--) {
      if (i === CHUNK) {
        c = c!.next;
        i = 0;
      }
      fn(c!, i++);
    }
  }

  private advance(): void {
    const drained = this.head;
    this.head = drained.next!;
    this.headIndex = 0;
    drained.next = undefined;
    this.spare = drained; // its slots were cleared as they were read
  }

  /** Empty again: restart at the beginning of the head chunk. */
  private rewind(): void {
    if (this.head !== this.tail) {
      this.spare = this.head;
      this.head.next = undefined;
      this.head = this.tail;
    }
    this.headIndex = 0;
    this.tailIndex = 0;
  }
}
