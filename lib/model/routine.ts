import type { OperatorFunction } from 'rxjs';
import { ConfigurationError, describeValue } from '../errors/errors.js';
import { ErrorHandler, ErrorStrategy } from '../errors/error-handler.js';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { ExecutionContext } from './execution-context.js';
import { currentContext } from './current-context.js';
import { RoutinePorts } from './routine-ports.js';
import type { AnyPorts, EmitArgs, PortMap } from './typed-ports.js';

export type { SlotOptions, EventOptions } from './slot-options.js';
export type { FlushHandler } from './flush-handler.js';
import { operatorRoutine, type OperatorRoutineOptions } from './operator-routine.js';
import { setOwn } from '../core/own-property.js';
import type { Placement } from './placement.js';

let autoId = 0;

/**
 * A node of a flow: input slots with handlers, output events, config and stats. Subclass it
 * and define slots and events in the constructor; handler methods are called with `this` bound
 * to the routine. One routine instance belongs to at most one flow; all per-job data lives in
 * the job, so one instance serves any number of concurrent jobs.
 *
 * Typed routines name their ports' payloads: `S` maps slot names to what each slot's handler
 * receives, `E` event names to what each event carries (any object types, interfaces
 * included). Then `defineSlot`, `defineEvent`, `emit`, `ctx.emit`, `slot()` and `event()` accept
 * only those names with those payloads, and the handles type the wiring (`flow.connect`,
 * `flow.start`, `job.send`, `job.observe`). Untyped routines (`Routine`) work as before.
 *
 * @example
 * ```ts
 * interface RawLine { line: string }
 * interface Parsed { key: string; value: string }
 * class Parser extends Routine<{ in: RawLine }, { out: Parsed }> {
 *   constructor() {
 *     super();
 *     this.defineEvent('out');
 *     this.defineSlot('in', ({ line }, ctx) => {
 *       const [key = '', value = ''] = line.split('=');
 *       ctx.emit('out', { key, value });
 *     });
 *   }
 * }
 * ```
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
export class Routine<S extends PortMap<S> = AnyPorts, E extends PortMap<E> = AnyPorts> extends RoutinePorts<S, E> {
  private _id: string;
  private errorHandler?: ErrorHandler;
  private readonly userStats: Record<string, unknown> = {};
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
   * An operator with timers of its own (`delay`, `debounceTime`) resumes exactly only when its
   * timers run on the flow's scheduler: write it as `attachOperator(new Routine(), (scheduler)
   * => delay(50, scheduler))`.
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
   * Emits on an event for the current job, without waiting for downstream work. Outside an
   * activation the payload only reaches `event.asObservable()`. In a typed routine the name
   * must be one of its events and `data` that event's payload type.
   *
   * @throws {ConfigurationError} for an event the routine does not have.
   * @throws {ValidationError} when the event has a schema and `data` fails it.
   * @example
   * ```ts
   * this.emit('out', { value: 1 });
   * ```
   */
  emit<K extends keyof E & string>(eventName: K, ...[data]: EmitArgs<E, K>): void;
  // A plain second parameter, not the signature's rest element: a rest array destructured
  // made this, run on every emit, too large in bytecode for V8 to inline into handlers.
  emit(eventName: string, data?: unknown): void {
    const event = this._requireEvent(eventName);
    const payload = (data ?? EMPTY_PAYLOAD) as Payload;
    const ctx = currentContext();
    if (ctx !== undefined) ctx.emitEvent(event, payload);
    else event._publishChecked(payload);
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
  getExecutionContext(): ExecutionContext<E> | undefined {
    // Typed like the handlers' ctx; a typed routine is still a Routine, as ExecutionContext<E>
    // is an ExecutionContext (emit is a method, its arguments compared both ways).
    const ctx = currentContext();
    return ctx !== undefined && ctx.slot.routine === (this as unknown) ? (ctx as ExecutionContext<any>) : undefined;
  }

  /**
   * Records an emit that happens when the job is next resumed (after its queued tasks).
   *
   * @example
   * ```ts
   * this.emitDeferredEvent('approved', { by: 'reviewer' }); await ctx.flow... // emitted on resume
   * ```
   */
  emitDeferredEvent<K extends keyof E & string>(eventName: K, ...[data]: EmitArgs<E, K>): void {
    const event = this._requireEvent(eventName);
    const ctx = currentContext();
    if (ctx === undefined) {
      throw new ConfigurationError(`emitDeferredEvent('${eventName}') on routine '${this._id}': only possible inside a job activation`);
    }
    ctx.deferEvent(event, (data ?? EMPTY_PAYLOAD) as Payload);
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
    ctx.host.sendOutput(this as unknown as Routine, outputType, data ?? EMPTY_PAYLOAD);
  }

  /** Where this routine's handlers run on worker processes (see {@link Routine.setPlacement}). */
  get placement(): Placement {
    return this._placement;
  }

  /**
   * `'pool'`: when the flow's jobs run on workers (`routilux/bullmq`), this routine's handlers
   * run on the workers' shared activation pool; their emits, shared data, routine state, outputs
   * and slot resets reach the job when the activation ends. `'owner'` (default): in the process
   * owning the job. In-process flows run both in place. Operator routines stay on the owner.
   *
   * @throws {ConfigurationError} for another value, or `'pool'` on an operator routine.
   * @example
   * ```ts
   * const enrich = new Enricher();
   * enrich.setPlacement('pool'); // its slow, stateless calls run on any worker
   * flow.addRoutine(enrich, 'enrich');
   * ```
   */
  setPlacement(placement: Placement): void {
    if (placement !== 'owner' && placement !== 'pool') throw new ConfigurationError(`setPlacement on routine '${this._id}': expected 'owner' or 'pool', got ${describeValue(placement)}`);
    if (placement === 'pool' && this._resumeOperator !== undefined) throw new ConfigurationError(`setPlacement on routine '${this._id}': an operator routine keeps its state in the job and runs on the owner`);
    this._placement = placement;
  }

  /** @internal */
  _placement: Placement = 'owner';
}
