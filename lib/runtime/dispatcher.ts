import { runDetached } from '../model/current-context.js';
import type { Clock } from './clock.js';
import { TaskQueue } from './task-queue.js';
import { Task } from './task.js';
import type { JobRuntime } from './job-runtime.js';

/** Real-time length of one dispatch turn before yielding to the event loop. */
const TURN_MS = 4;
/** In virtual time a turn is bounded by a count instead, so runs stay deterministic. */
const VIRTUAL_TURN_TASKS = 4096;

/**
 * @internal The flow's dispatcher: one FIFO of tasks for all jobs of the flow, run with at
 * most `maxWorkers` activations in flight — the semantics of `mergeMap(activate, maxWorkers)`
 * over the task stream, written as a trampoline so that:
 *  - a synchronous activation costs no inner subscription (the hot path is a loop),
 *  - a chain of any length never grows the call stack (emits queue; the loop runs them),
 *  - per-job pause and cancel can lift a job's tasks out of the queue in order.
 * Async activations (promise or observable) hold a worker until they settle and then pump
 * again from their settle callback, never through an extra `await`.
 */
export class Dispatcher {
  readonly queue = new TaskQueue();
  running = 0;
  private pumping = false;
  private turnPending = false;
  private touched: JobRuntime[] = [];
  private callbacks: Array<() => void> = [];

  constructor(
    readonly clock: Clock,
    public maxWorkers: number,
    private readonly activate: (task: Task) => void,
  ) {
    this.scratch = new Task(undefined as never, undefined as never, undefined as never, 1, 0, undefined);
    this.scratch.scratch = true;
  }

  /** The task each loop iteration runs; activations that outlive the loop retain a copy. */
  private readonly scratch: Task;

  enqueue(task: Task): void {
    this.queue.pushTask(task);
  }

  /** Ask for dispatch soon; free while a pump is running (it will see the new work). */
  request(): void {
    if (!this.pumping && !this.turnPending) this.scheduleTurn();
  }

  /** Marks a job as changed in this turn, so its snapshot/checkpoint is flushed at turn end. */
  touch(job: JobRuntime): void {
    job.touched = true;
    this.touched.push(job);
    if (!this.pumping && !this.turnPending) this.scheduleTurn();
  }

  /** Runs `fn` at the end of the current turn, or of the next one when none is running. */
  later(fn: () => void): void {
    this.callbacks.push(fn);
    if (!this.pumping && !this.turnPending) this.scheduleTurn();
  }

  private scheduleTurn(): void {
    this.turnPending = true;
    this.clock.handOff(this.turn);
  }

  private readonly turn = (): void => {
    this.turnPending = false;
    this.pump();
  };

  /** Runs queued tasks while workers are free, for one turn, then flushes touched jobs. */
  pump(): void {
    if (this.pumping) return;
    this.pumping = true;
    try {
      runDetached(this.loop);
    } finally {
      this.pumping = false;
    }
    this.flush();
  }

  private readonly loop = (): void => {
    this.clock.hold();
    try {
      this.run();
    } finally {
      this.clock.release();
    }
  };

  private run(): void {
    const queue = this.queue;
    const realtime = this.clock.realtime;
    const deadline = realtime ? performance.now() + TURN_MS : 0;
    let count = 0;
    const task = this.scratch;
    while (this.running < this.maxWorkers && queue.size > 0) {
      queue.shiftInto(task);
      this.activate(task);
      if ((++count & 63) === 0 && (realtime ? performance.now() > deadline : count >= VIRTUAL_TURN_TASKS)) {
        if (queue.size > 0 && !this.turnPending) this.scheduleTurn();
        return;
      }
    }
  }

  /** End of a turn: deferred callbacks, then each changed job publishes one snapshot and checkpoints once. */
  private flush(): void {
    if (this.callbacks.length > 0) {
      const callbacks = this.callbacks;
      this.callbacks = [];
      for (const fn of callbacks) fn();
      if (this.queue.size > 0 && this.running < this.maxWorkers) this.request();
    }
    if (this.touched.length === 0) return;
    const jobs = this.touched;
    this.touched = [];
    for (let i = 0; i < jobs.length; i++) {
      jobs[i].touched = false;
      jobs[i].afterTurn();
    }
  }
}
