import type { SchedulerLike } from 'rxjs';
import type { JobState } from '../state/job-state.js';
import { ConfigurationError } from '../errors/errors.js';
import { EMPTY_PAYLOAD, type Payload } from '../core/payload.js';
import type { ContextHost } from './context-host.js';
import { ActivationScheduler } from './activation-scheduler.js';
import type { Event } from './event.js';
import type { ExecutionContext } from './execution-context.js';
import type { Slot } from './slot.js';
import type { AnyPorts } from './typed-ports.js';

/** What a pending check settles with when its payload was valid and delivered. */
const DELIVERED = Symbol('delivered');

/**
 * @internal The context of one activation. Allocated per activation; everything else is lazy.
 *
 * @example
 * ```ts
 * const ctx = new ActivationContext(host, slot, 1);
 * runInContext(ctx, handler, routine, data, ctx);
 * ```
 */
export class ActivationContext implements ExecutionContext<AnyPorts> {
  /**
   * What few activations use (a signal, a scheduler, asynchronously checked emits, an attempt
   * past the first, being silenced), made on first use. Every activation makes a context, and
   * every field of it is 8 bytes of garbage per activation: the rare parts live here, and
   * {@link at} carries `ended` in its sign, so a context is 56 bytes (map, properties,
   * elements and four fields) instead of 80.
   */
  private extra: ContextExtra | undefined = undefined;
  /**
   * The activation's number in its job while it runs; `-seq` once it has ended (-0 for 0).
   * Negation, not `~` or `-seq - 1`: exact for every number a job may have (past 2^31 and 2^53).
   */
  private at: number;

  /**
   * A context that lives as long as the class. V8 drops an object shape (a map) in a full GC
   * once no object has it, and deoptimizes all optimized code that checks it: every full GC
   * while no activation ran (between two bursts of work) threw away the optimized code of the
   * activation path. `--trace-deopt` over six chain10 jobs, a forced GC before each: without
   * this object, eight functions of the path (the constructor, `ended`, `silenced`, `checking`,
   * `emitEvent`, `emit`, `runActivation`, `activate`) were deoptimized at every GC; with it,
   * none of its own (see also lib/node/async-context.ts).
   */
  private static readonly shapeKeeper = new ActivationContext(undefined as never, undefined as never, 1, 0);

  constructor(
    /** The job's port; once the activation has ended, the job's {@link ContextHost.lateHost} if it has one. */
    public host: ContextHost,
    readonly slot: Slot,
    attempt: number,
    /** The activation's number in its job. */
    seq: number,
  ) {
    this.at = seq;
    if (attempt !== 1) this.more().attempt = attempt;
  }

  /** The activation's number in its job. */
  get seq(): number {
    return Math.abs(this.at); // (an ended activation 0 keeps -0, read as 0)
  }

  /** The rarely used parts, made now if this activation has none yet. */
  private more(): ContextExtra {
    return (this.extra ??= new ContextExtra());
  }

  /** 1 for a first run, then 2, 3… on retries. */
  get attempt(): number {
    const extra = this.extra;
    return extra === undefined ? 1 : extra.attempt;
  }

  /** Set when the activation was let go (its job was cancelled or failed): its emits are dropped. */
  get silenced(): boolean {
    const extra = this.extra;
    return extra !== undefined && extra.silenced;
  }
  set silenced(value: boolean) {
    if (value || this.extra !== undefined) this.more().silenced = value;
  }

  /** Set once the activation has ended: a check that fails after that goes to the routine's policy as a stream failure. */
  get ended(): boolean {
    const at = this.at;
    return at < 0 || (at === 0 && 1 / at < 0);
  }

  /** @internal Marks the activation ended (for good: nothing makes it running again). */
  end(): void {
    const at = this.at;
    if (at > 0) this.at = -at;
    else if (at === 0) this.at = -0; // (a restored task may have number 0)
    // What the context does from now on (a timer's emit, a write after an await the handler
    // did not return) is the job's late work: a host that tells it apart gets it on its own port.
    const late = this.host.lateHost;
    if (late !== undefined) this.host = late;
  }

  get flow(): ExecutionContext['flow'] {
    return this.host.flow;
  }
  get jobId(): string {
    return this.host.id;
  }
  get routineId(): string {
    return this.slot.routine.id;
  }
  get slotName(): string {
    return this.slot.name;
  }
  get activationId(): string {
    return `${this.host.id}/${this.seq}`;
  }
  get jobState(): JobState {
    return this.host.snapshot();
  }
  get scheduler(): SchedulerLike {
    // Bound to this activation (not only to whichever runs when work is scheduled): after an
    // await, with no async context, `timer(n, ctx.scheduler)` still knows its job.
    const extra = this.more();
    return (extra.scheduler ??= new ActivationScheduler(this.host.scheduler, this));
  }

  get signal(): AbortSignal {
    // Created on first use: most handlers never look, and an AbortController is not free.
    const extra = this.more();
    if (extra.controller === undefined) {
      const controller = (extra.controller = new AbortController());
      const jobSignal = this.host.abortSignal();
      if (jobSignal.aborted) controller.abort(jobSignal.reason);
      else jobSignal.addEventListener('abort', () => controller.abort(jobSignal.reason), { once: true });
    }
    return extra.controller.signal;
  }

  /** @internal Aborts this activation only (its job stopped it, or its attempt `timedOut`: then {@link onTimeout}'s callback is told too). */
  abort(reason: unknown, timedOut = false): void {
    const extra = this.more();
    const controller = (extra.controller ??= new AbortController());
    if (!controller.signal.aborted) controller.abort(reason);
    if (timedOut) extra.onTimeout?.(reason);
  }

  /** @internal Calls `fn` if this attempt alone times out (activationTimeout; not when its job stops it), with no listener on the job's signal. */
  onTimeout(fn: (reason: unknown) => void): void {
    this.more().onTimeout = fn;
  }

  emit(eventName: string, data?: Payload): void {
    const event = this.slot.routine._requireEvent(eventName);
    if (data !== undefined && data !== null && typeof data !== 'object') {
      throw new ConfigurationError(`ctx.emit('${eventName}') on routine '${this.routineId}': a payload must be an object, got ${typeof data}`);
    }
    this.emitEvent(event, data ?? EMPTY_PAYLOAD);
  }

  /** @internal Checks the payload by the event's schema, if any, then emits it for the job. */
  emitEvent(event: Event, data: Payload): void {
    // Nearly every emit: no schema, not a promise (whose value is waited for), and nothing of
    // this activation's rare parts (no emit waiting for a check, not silenced). Straight to the
    // job; small, so V8 inlines it into the emit.
    if (event._check === undefined && this.extra === undefined && !(data instanceof Promise)) {
      event._refuseNonObject(data);
      this.host.emitFrom(event, data, this.seq);
    } else this.emitChecked(event, data);
  }

  /** {@link emitEvent} in general: checked, and delivered in order behind emits still waiting. */
  private emitChecked(event: Event, data: Payload): void {
    event._refuseNonObject(data);
    const check = event._check;
    const checked = check === undefined ? data : check(data);
    if (checked instanceof Promise || this.extra?.tail !== undefined) this.later(checked, (value) => this.deliver(event, value));
    else this.deliver(event, checked as Payload);
  }

  /** @internal `emitDeferredEvent`: checked like an emit, then kept for the job's next resume. */
  deferEvent(event: Event, data: Payload): void {
    event._refuseNonObject(data);
    const check = event._check;
    const checked = check === undefined ? data : check(data);
    if (checked instanceof Promise || this.extra?.tail !== undefined) this.later(checked, (value) => this.host.deferEvent(event, value));
    else this.host.deferEvent(event, checked as Payload);
  }

  private deliver(event: Event, data: Payload): void {
    const extra = this.extra;
    if (extra !== undefined && extra.silenced) event._publish(data);
    else this.host.emitFrom(event, data, this.seq);
  }

  /** Delivers once `checked` is known valid and every earlier waiting emit was delivered. */
  private later(checked: object | Promise<object>, deliver: (value: Payload) => void): void {
    // Handled at once: a rejection waiting behind an earlier emit must not look unhandled.
    const outcome = checked instanceof Promise ? checked.then((value) => ({ value }), (error: unknown) => ({ error })) : Promise.resolve({ value: checked });
    const extra = this.more();
    const previous = extra.tail;
    const settled: Promise<unknown> = (previous === undefined ? outcome : previous.then(() => outcome)).then((o) => {
      if (extra.tail === settled) extra.tail = undefined; // the last one: emits deliver at once again
      if ('error' in o) return o.error;
      try {
        deliver(o.value as Payload);
      } catch (error) {
        return error;
      }
      return DELIVERED;
    });
    extra.tail = settled;
    if (!this.ended) {
      (extra.checks ??= []).push(settled);
      return;
    }
    void settled.then((outcome) => {
      if (outcome !== DELIVERED && !this.silenced) this.host.streamFailed(this.slot, outcome);
    });
  }

  /** @internal Whether emits of this activation still wait for an asynchronous schema. */
  get checking(): boolean {
    return this.extra !== undefined && this.extra.checks !== undefined;
  }

  /**
   * @internal Waits for every pending check (those started meanwhile too), then marks the
   * activation ended: resolves with `undefined` when all were valid, else `{ error }` of the first failure.
   */
  async whenChecked(): Promise<{ error: unknown } | undefined> {
    let failure: { error: unknown } | undefined;
    const extra = this.extra;
    while (extra !== undefined && extra.checks !== undefined) {
      const batch = extra.checks;
      extra.checks = undefined;
      for (const outcome of await Promise.all(batch)) {
        if (outcome !== DELIVERED && failure === undefined) failure = { error: outcome };
      }
    }
    this.end();
    return failure;
  }

  setSharedData(key: string, value: unknown): void {
    if (this.writable()) this.host.setSharedData(key, value);
  }

  /** As emits: no write after its end into a completed or cancelled job (a timer it left; let-go ones are ended too). */
  private writable(): boolean {
    return !this.ended || this.host.accepting !== false;
  }

  getSharedData<V = unknown>(key: string, defaultValue?: V): V {
    return (this.host.hasSharedData(key) ? this.host.getSharedData(key) : defaultValue) as V;
  }

  updateRoutineState(patch: Record<string, unknown>): void {
    if (typeof patch !== 'object' || patch === null || Array.isArray(patch)) {
      throw new ConfigurationError(`updateRoutineState on routine '${this.routineId}': expected a plain object patch`);
    }
    if (this.writable()) this.host.updateRoutineState(this.slot.routine, patch);
  }

  resetSlot(): void {
    if (this.writable()) this.host.resetSlot(this.slot);
  }

  now(): number {
    return this.host.now();
  }

  pause(reason = '', checkpoint: Payload = EMPTY_PAYLOAD): Promise<JobState> {
    return this.host.pause(reason, checkpoint);
  }
}

/**
 * The parts of an activation's context that few activations use, apart so that the object
 * every activation allocates stays small.
 */
class ContextExtra {
  /** The activation's attempt (only an attempt past the first makes this object for it). */
  attempt = 1;
  /** See {@link ActivationContext.silenced} (only a let-go activation makes this object for it). */
  silenced = false;
  controller: AbortController | undefined = undefined;
  onTimeout: ((reason: unknown) => void) | undefined = undefined;
  scheduler: ActivationScheduler | undefined = undefined;
  /** Emits waiting for an asynchronous event schema: each settles with DELIVERED or the failure, never rejecting (a rejection nobody handled until the activation ends would reach the process). */
  checks: Promise<unknown>[] | undefined = undefined;
  /**
   * The last emit still waiting (for its own check or an earlier one's): later emits queue
   * behind it, so payloads are delivered in the order they were emitted, whatever order the
   * checks settle in (and a plain emit never overtakes a checked one).
   */
  tail: Promise<unknown> | undefined = undefined;
}
