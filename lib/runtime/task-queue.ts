import type { Payload } from '../core/payload.js';
import type { Slot } from '../model/slot.js';
import type { Event } from '../model/event.js';
import type { PendingTask } from '../core/records.js';
import { Task } from './task.js';
import { CHUNK, Carried, Chunk } from './task-chunk.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal Where a queued task goes: a slot, and the event that fed it (none for entry
 * activations and sent input). A connection is one; the queue numbers each (slot, event) pair
 * once and stores the number, so a queued task holds no pointer but its payload.
 */
export interface Route {
  readonly slot: Slot;
  readonly event: Event | undefined;
  /** @internal The queue's number for this route (-1 until first queued). */
  _route: number;
}

/** A route not backed by a connection: (slot, event) pairs from entries, sends, retries, resumes. */
class BareRoute implements Route {
  _route = -1;
  constructor(
    readonly slot: Slot,
    readonly event: Event | undefined,
  ) {}
}

/**
 * @internal The flow's FIFO of tasks: a linked list of fixed-size chunks stored column-wise.
 * A queued task is one pointer (its payload) plus 17 bytes of typed-array storage, not an
 * object: jobs and routes are stored as numbers into tables, so a queue of a million tasks adds
 * 8 MB to what the GC traces and promotes, not 40. That matters because a long FIFO keeps every
 * payload alive across many young-generation collections: the smaller the live old-space set,
 * the smaller the heap V8 grows to before collecting it. Chunks never grow by copying, and a
 * drained chunk is recycled, so memory follows the queue's length.
 *
 * The queue also keeps each job's `queued` count, and gives a job a table number only while it
 * has tasks queued. A `Task` object exists only while a task must outlive the dispatch loop
 * (async, retry, pause, failure).
 */
export class TaskQueue {
  private head = new Chunk();
  private headIndex = 0;
  private tail = this.head;
  private tailIndex = 0;
  private spare: Chunk | undefined = undefined;
  size = 0;

  private readonly routes: BareRoute[] = [];
  /** Bare routes by slot, then by event (`null` for none). */
  private readonly bare = new Map<Slot, Map<Event | null, BareRoute>>();
  private readonly jobs: Array<JobRuntime | undefined> = [];
  private readonly freeJobs: number[] = [];

  /** Queues a delivery along `route` (a connection, or {@link TaskQueue.route}'s result). */
  push(job: JobRuntime, route: Route, data: Payload, attempt: number, enqueuedAt: number, seq: number, merged?: Payload): void {
    if (this.tailIndex === CHUNK) this.grow();
    let r = route._route;
    if (r < 0) r = this.intern(route);
    const work = job.work;
    let j = work.queueId;
    if (j < 0) j = this.admit(job);
    const c = this.tail;
    const i = this.tailIndex++;
    c.routes[i] = r;
    c.jobs[i] = j;
    c.setEnqueuedAt(i, enqueuedAt);
    c.setSeq(i, seq);
    if (merged === undefined) {
      c.data[i] = data;
      c.setAttempt(i, attempt);
    } else {
      c.data[i] = new Carried(data, merged);
      c.setAttempt(i, -attempt);
    }
    work.queued++;
    this.size++;
  }

  /** A new tail chunk (the spare one when there is one). Out of line: push stays small enough to inline. */
  private grow(): void {
    const chunk = this.spare ?? new Chunk();
    this.spare = undefined;
    this.tail.next = chunk;
    this.tail = chunk;
    this.tailIndex = 0;
  }

  pushTask(task: Task): void {
    this.push(task.job, this.route(task.slot, task.source), task.data, task.attempt, task.enqueuedAt, task.seq, task.merged);
  }

  /** The route for a slot fed by `event` (or by nothing): for deliveries that have no connection. */
  route(slot: Slot, event: Event | undefined): Route {
    let bySource = this.bare.get(slot);
    if (bySource === undefined) this.bare.set(slot, (bySource = new Map()));
    const key = event ?? null;
    let route = bySource.get(key);
    if (route === undefined) bySource.set(key, (route = new BareRoute(slot, event)));
    return route;
  }

  /** Moves the head task into `into` (the dispatcher's scratch task) and drops it from the queue. */
  shiftInto(into: Task): void {
    if (this.headIndex === CHUNK) this.advance();
    const c = this.head;
    const i = this.headIndex++;
    const route = this.routes[c.routes[i]];
    const job = this.jobs[c.jobs[i]]!;
    into.job = job;
    into.slot = route.slot;
    into.source = route.event;
    into.enqueuedAt = c.enqueuedAt(i);
    this.read(c, i, into);
    c.data[i] = undefined;
    if (--job.work.queued === 0) this.release(job);
    if (--this.size === 0) this.rewind();
  }

  /** Removes and returns the tasks of `job`, in order; the others keep their order. */
  extract(job: JobRuntime): Task[] {
    const taken: Task[] = [];
    if (job.work.queued === 0) return taken;
    const id = job.work.queueId;
    const kept: Chunk[] = [];
    let keptChunk = new Chunk();
    let k = 0;
    this.forEach((c, i) => {
      if (c.jobs[i] === id) {
        const route = this.routes[c.routes[i]];
        const task = new Task(job, route.slot, undefined as never, 0, c.enqueuedAt(i), route.event);
        this.read(c, i, task);
        taken.push(task);
        return;
      }
      if (k === CHUNK) {
        kept.push(keptChunk);
        keptChunk = new Chunk();
        k = 0;
      }
      keptChunk.data[k] = c.data[i];
      keptChunk.routes[k] = c.routes[i];
      keptChunk.jobs[k] = c.jobs[i];
      keptChunk.setAttempt(k, c.attempt(i));
      keptChunk.setEnqueuedAt(k, c.enqueuedAt(i));
      keptChunk.setSeq(k, c.seq(i));
      k++;
    });
    kept.push(keptChunk);
    for (let n = 1; n < kept.length; n++) kept[n - 1].next = kept[n];
    this.head = kept[0];
    this.headIndex = 0;
    this.tail = kept[kept.length - 1];
    this.tailIndex = k;
    this.size -= taken.length;
    job.work.queued = 0;
    this.release(job);
    return taken;
  }

  /** Appends views of the tasks of `job` to `out`, in order, without removing them. */
  viewsOf(job: JobRuntime, out: PendingTask[]): void {
    if (job.work.queued === 0) return;
    const id = job.work.queueId;
    const task = new Task(job, undefined as never, undefined as never, 0, 0, undefined);
    this.forEach((c, i) => {
      if (c.jobs[i] !== id) return;
      const route = this.routes[c.routes[i]];
      this.read(c, i, task);
      const view: { -readonly [K in keyof PendingTask]: PendingTask[K] } = {
        routineId: route.slot.routine.id,
        slotName: route.slot.name,
        data: task.data,
        attempt: task.attempt,
        enqueuedAt: c.enqueuedAt(i),
        seq: c.seq(i),
      };
      if (route.event !== undefined) view.source = { routineId: route.event.routine.id, eventName: route.event.name };
      if (task.merged !== undefined) view.merged = task.merged;
      out.push(view);
    });
  }

  /** Copies entry `i`'s payload, attempt, sequence number and merged payload into `into`. */
  private read(c: Chunk, i: number, into: Task): void {
    into.seq = c.seq(i);
    const attempt = c.attempt(i);
    if (attempt > 0) {
      into.data = c.data[i] as Payload;
      into.attempt = attempt;
      into.merged = undefined;
    } else {
      const carried = c.data[i] as Carried;
      into.data = carried.data;
      into.attempt = -attempt;
      into.merged = carried.merged;
    }
  }

  /**
   * Numbers a route by its (slot, event) pair, so a connection that is disconnected and made
   * again reuses its number: the table is bounded by the graph, not by how often it is rewired.
   */
  private intern(route: Route): number {
    const bare = route instanceof BareRoute ? route : this.route(route.slot, route.event);
    if (bare._route < 0) {
      bare._route = this.routes.length;
      this.routes.push(bare);
    }
    return (route._route = bare._route);
  }

  /** Gives a job a table number while it has queued tasks. */
  private admit(job: JobRuntime): number {
    const id = this.freeJobs.pop() ?? this.jobs.length;
    this.jobs[id] = job;
    job.work.queueId = id;
    return id;
  }

  private release(job: JobRuntime): void {
    const work = job.work;
    this.jobs[work.queueId] = undefined;
    this.freeJobs.push(work.queueId);
    work.queueId = -1;
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
    drained.reset();
    this.spare = drained; // its payload slots were cleared as they were read
  }

  /** Empty again: restart at the beginning of the head chunk. */
  private rewind(): void {
    if (this.head !== this.tail) {
      this.spare = this.head;
      this.head.reset();
      this.head = this.tail;
    }
    this.headIndex = 0;
    this.tailIndex = 0;
  }
}
