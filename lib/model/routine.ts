import type { OperatorFunction } from 'rxjs';
import { ConfigurationError, describeValue } from '../errors/errors.js';
import { ErrorHandler, ErrorStrategy } from '../errors/error-handler.js';
import { Event } from './event.js';
import { Slot, type SlotHandler } from './slot.js';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { ExecutionContext } from './execution-context.js';
import { currentContext } from './current-context.js';
import { Configurable } from './configurable.js';
import type { SlotOptions } from './slot-options.js';

export type { SlotOptions } from './slot-options.js';
import { operatorRoutine, type OperatorRoutineOptions } from './operator-routine.js';
import { setOwn } from '../core/own-property.js';
import { checkPortName } from './port-name.js';

let autoId = 0;

/**
 * A node of a flow: input slots with handlers, output events, config and stats. Subclass it
 * and define slots and events in the constructor; handler methods are called with `this` bound
 * to the routine. One routine instance belongs to at most one flow; all per-job data lives in
 * the job, so one instance serves any number of concurrent jobs.
 *
 * @example
 * ```ts
 * class Double extends Routine {
 *   constructor() {
 *     super();
 *     this.defineEvent('out', ['value']);
 *     this.defineSlot<{ value: number }>('in', (data) => this.emit('out', { value: data.value * 2 }));
 *   }
 * }
 * ```
 */
export class Routine extends Configurable {
  private _id: string;
  private readonly slots = new Map<string, Slot>();
  private readonly events = new Map<string, Event>();
  private errorHandler?: ErrorHandler;
  private readonly userStats: Record<string, unknown> = {};
  private lastEventName: string | undefined = undefined;
  private lastEvent: Event | undefined = undefined;
  /** @internal Counters over all jobs; plain fields so the hot path only increments. */
  readonly _stats = { activations: 0, emits: 0, errors: 0 };
  /** @internal The graph (of one flow) this routine was added to. */
  _graph?: { readonly flowId: string };

  constructor() {
    super();
    this._id = `${new.target.name || 'Routine'}_${++autoId}`;
  }

  /** The id given by `flow.addRoutine` (auto-generated before that). */
  get id(): string {
    return this._id;
  }

  /** @internal */
  _setId(id: string): void {
    this._id = id;
  }

  /**
   * Turns any RxJS operator into a routine with per-job operator state: payloads received on
   * `slot` (default `'input'`) go into the job's operator input; each output value is emitted
   * on `event` (default `'output'`), as is when it is a plain object, else as `{ value }`.
   * When the job has no other work left the input completes, so remainders flush first.
   *
   * @example
   * ```ts
   * flow.addRoutine(Routine.fromOperator(bufferCount(3)), 'batch'); // emits { value: [p1, p2, p3] }
   * ```
   */
  static fromOperator<O>(operator: OperatorFunction<Payload, O>, options?: OperatorRoutineOptions): Routine {
    return operatorRoutine(new Routine(), operator, options);
  }

  /**
   * Defines an input slot. `handler` is called with `this` = the routine.
   * Duplicate or empty names throw {@link ConfigurationError}.
   *
   * @example
   * ```ts
   * this.defineSlot('in', this.onInput, { mergeStrategy: 'append' });
   * ```
   */
  defineSlot<T extends Payload = Payload>(name: string, handler?: SlotHandler<T>, options: SlotOptions = {}): Slot<T> {
    checkPortName(this.id, 'slot', name);
    if (this.slots.has(name)) throw new ConfigurationError(`routine '${this._id}' already has a slot named '${name}'`);
    if (handler !== undefined && typeof handler !== 'function') {
      throw new ConfigurationError(`routine '${this._id}' slot '${name}': handler must be a function, got ${typeof handler}`);
    }
    const slot = new Slot<T>(name, this, handler, options.mergeStrategy);
    this.slots.set(name, slot as unknown as Slot);
    return slot;
  }

  /**
   * Defines an output event; `outputParams` documents the payload's keys.
   *
   * @example
   * ```ts
   * this.defineEvent('out', ['value']);
   * ```
   */
  defineEvent<T extends Payload = Payload>(name: string, outputParams: string[] = []): Event<T> {
    checkPortName(this.id, 'event', name);
    if (this.events.has(name)) throw new ConfigurationError(`routine '${this._id}' already has an event named '${name}'`);
    const event = new Event<T>(name, this, Object.freeze(outputParams.slice()));
    this.events.set(name, event as unknown as Event);
    return event;
  }

  /**
   * Emits on an event for the current job, without waiting for downstream work. Outside an
   * activation the payload only reaches `event.asObservable()`.
   *
   * @example
   * ```ts
   * this.emit('out', { value: 1 });
   * ```
   */
  emit(eventName: string, data?: Payload): void {
    const event = this._requireEvent(eventName);
    const payload = data ?? EMPTY_PAYLOAD;
    const ctx = currentContext();
    if (ctx !== undefined) ctx.emitEvent(event, payload);
    else event._publish(payload);
  }

  /** @internal The event, or a ConfigurationError naming the routine and event. */
  _requireEvent(eventName: string): Event {
    // Most routines emit on one event over and over: a one-entry cache skips the Map lookup.
    if (eventName === this.lastEventName) return this.lastEvent!;
    const event = this.events.get(eventName);
    if (event !== undefined) {
      this.lastEventName = eventName;
      this.lastEvent = event;
    }
    if (event === undefined) {
      throw new ConfigurationError(
        `routine '${this._id}' has no event '${eventName}'; defined events: ${[...this.events.keys()].join(', ') || '(none)'}`,
      );
    }
    return event;
  }

  /** @internal The slot, or a ConfigurationError naming the routine and slot. */
  _requireSlot(slotName: string): Slot {
    const slot = this.slots.get(slotName);
    if (slot === undefined) {
      throw new ConfigurationError(
        `routine '${this._id}' has no slot '${slotName}'; defined slots: ${[...this.slots.keys()].join(', ') || '(none)'}`,
      );
    }
    return slot;
  }

  /** The slot named `name`, if defined. @example `routine.getSlot('in')?.receive({})` */
  getSlot(name: string): Slot | undefined {
    return this.slots.get(name);
  }

  /** The event named `name`, if defined. @example `routine.getEvent('out')?.asObservable()` */
  getEvent(name: string): Event | undefined {
    return this.events.get(name);
  }

  /** Every slot, in definition order. @example `routine.slotList().map((s) => s.name)` */
  slotList(): readonly Slot[] {
    return [...this.slots.values()];
  }

  /** Every event, in definition order. @example `routine.eventList().map((e) => e.name)` */
  eventList(): readonly Event[] {
    return [...this.events.values()];
  }

  /**
   * Activations, emits and errors over all jobs, plus user stats from {@link Routine.incrementStat}.
   *
   * @example
   * ```ts
   * routine.stats(); // { activations: 3, emits: 3, errors: 0 }
   * ```
   */
  stats(): Readonly<Record<string, unknown>> {
    return Object.freeze({ ...this.userStats, ...this._stats });
  }

  /** Adds `by` to a user stat (created at 0). @example `this.incrementStat('cacheHits')` */
  incrementStat(key: string, by = 1): void {
    setOwn(this.userStats, key, ((Object.prototype.hasOwnProperty.call(this.userStats, key) ? (this.userStats[key] as number) : undefined) ?? 0) + by);
  }

  /** Sets a user stat. @example `this.setStat('lastBatch', 42)` */
  setStat(key: string, value: unknown): void {
    setOwn(this.userStats, key, value);
  }

  /**
   * The routine's own error policy (wins over the flow's).
   *
   * @example
   * ```ts
   * routine.setErrorHandler(new ErrorHandler({ strategy: 'skip' }));
   * ```
   */
  setErrorHandler(handler: ErrorHandler | undefined): void {
    if (handler !== undefined && !(handler instanceof ErrorHandler)) {
      throw new ConfigurationError(`routine '${this._id}': setErrorHandler expects an ErrorHandler or undefined`);
    }
    this.errorHandler = handler;
  }

  /** The routine's own error policy, if set. @example `routine.getErrorHandler()?.strategy` */
  getErrorHandler(): ErrorHandler | undefined {
    return this.errorHandler;
  }

  /**
   * Failures of this routine do not fail the job: CONTINUE (default) or SKIP.
   *
   * @example
   * ```ts
   * enrich.setAsOptional(ErrorStrategy.SKIP);
   * ```
   */
  setAsOptional(strategy: ErrorStrategy.CONTINUE | ErrorStrategy.SKIP = ErrorStrategy.CONTINUE): void {
    if (strategy !== ErrorStrategy.CONTINUE && strategy !== ErrorStrategy.SKIP) {
      throw new ConfigurationError(`routine '${this._id}': setAsOptional takes CONTINUE or SKIP, got ${describeValue(strategy)}`);
    }
    this.errorHandler = new ErrorHandler({ strategy });
  }

  /**
   * Failures are retried with backoff, then fail the job (RETRY, `isCritical`).
   *
   * @example
   * ```ts
   * payment.setAsCritical({ maxRetries: 5, retryDelay: 200 });
   * ```
   */
  setAsCritical(options: { maxRetries?: number; retryDelay?: number; backoffMultiplier?: number } = {}): void {
    this.errorHandler = new ErrorHandler({ ...options, strategy: ErrorStrategy.RETRY, isCritical: true });
  }

  /**
   * The context of the activation of this routine that is running now, else `undefined`.
   *
   * @example
   * ```ts
   * const ctx = this.getExecutionContext(); console.log(ctx?.jobId);
   * ```
   */
  getExecutionContext(): ExecutionContext | undefined {
    const ctx = currentContext();
    return ctx !== undefined && ctx.slot.routine === this ? ctx : undefined;
  }

  /**
   * Records an emit that happens when the job is next resumed (after its queued tasks).
   *
   * @example
   * ```ts
   * this.emitDeferredEvent('approved', { by: 'reviewer' }); await ctx.flow... // emitted on resume
   * ```
   */
  emitDeferredEvent(eventName: string, data?: Payload): void {
    const event = this._requireEvent(eventName);
    const ctx = currentContext();
    if (ctx === undefined) {
      throw new ConfigurationError(`emitDeferredEvent('${eventName}') on routine '${this._id}': only possible inside a job activation`);
    }
    ctx.host.deferEvent(event, data ?? EMPTY_PAYLOAD);
  }

  /**
   * Appends to the job's output log and `job.output$`.
   *
   * @example
   * ```ts
   * this.sendOutput('progress', { done: 3, of: 10 });
   * ```
   */
  sendOutput(outputType: string, data?: Payload): void {
    const ctx = currentContext();
    if (ctx === undefined) {
      throw new ConfigurationError(`sendOutput('${outputType}') on routine '${this._id}': only possible inside a job activation`);
    }
    ctx.host.sendOutput(this, outputType, data ?? EMPTY_PAYLOAD);
  }
}
