import type { Task } from './task.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal The flow's FIFO of tasks: a growable ring buffer, so push and shift are O(1) with
 * no per-task allocation beyond the task itself (an array's `shift()` is O(n) once large).
 */
export class TaskQueue {
  private buffer: Array<Task | undefined> = new Array(1024);
  private mask = 1023;
  private head = 0;
  size = 0;

  push(task: Task): void {
    if (this.size === this.buffer.length) this.grow();
    this.buffer[(this.head + this.size) & this.mask] = task;
    this.size++;
  }

  shift(): Task {
    const task = this.buffer[this.head]!;
    this.buffer[this.head] = undefined;
    this.head = (this.head + 1) & this.mask;
    this.size--;
    return task;
  }

  /** Removes and returns the tasks of `job`, in order; the others keep their order. */
  extract(job: JobRuntime): Task[] {
    const taken: Task[] = [];
    if (job.queued === 0) return taken;
    const kept: Task[] = [];
    while (this.size > 0) {
      const task = this.shift();
      (task.job === job ? taken : kept).push(task);
    }
    for (const task of kept) this.push(task);
    return taken;
  }

  /** The tasks of `job`, in order, without removing them. */
  tasksOf(job: JobRuntime): Task[] {
    const found: Task[] = [];
    if (job.queued === 0) return found;
    for (let i = 0; i < this.size; i++) {
      const task = this.buffer[(this.head + i) & this.mask]!;
      if (task.job === job) found.push(task);
    }
    return found;
  }

  private grow(): void {
    const bigger: Array<Task | undefined> = new Array(this.buffer.length * 2);
    for (let i = 0; i < this.size; i++) bigger[i] = this.buffer[(this.head + i) & this.mask];
    this.buffer = bigger;
    this.mask = bigger.length - 1;
    this.head = 0;
  }
}
