import { Subject, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Routine } from './routine.js';
import type { Payload } from '../core/payload.js';
import type { ActivationContext } from './activation-context.js';
import type { ContextHost } from './context-host.js';
import type { Drain } from './drain.js';
import type { OperatorLog } from './operator-log.js';
import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { Event } from './event.js';
import type { Slot } from './slot.js';

/**
 * Options of `Routine.fromOperator` / {@link attachOperator}.
 *
 * @example
 * ```ts
 * Routine.fromOperator(bufferCount(3), { slot: 'in', event: 'batch' } satisfies OperatorRoutineOptions);
 * ```
 */
export interface OperatorRoutineOptions {
  /** Input slot name (default `'input'`). */
  slot?: string;
  /** Output event name (default `'output'`). */
  event?: string;
  /** Also define a `trigger` slot with the same behaviour (built-ins do, so they can start a flow). */
  trigger?: boolean;
  /**
   * Most payloads kept per job for a restore (default 10,000): the job keeps what the operator
   * received since it was last empty; past this it keeps nothing and the job cannot be restored
   * (a ConfigurationError names the routine then). 0: keep nothing on purpose (a restored job
   * starts the operator afresh).
   */
  replayLimit?: number;
  /**
   * The operator holds nothing once it emitted (`bufferCount`, `debounceTime`): each output
   * clears the log, so a long stream stays restorable. Leave unset for operators that keep
   * state across outputs (`scan`, `pairwise`).
   */
  emptyAfterOutput?: boolean;
}

/**
 * Wires an RxJS operator into `routine`, one operator instance per job (made by `make` on the
 * job's first payload, given the flow's scheduler so timed operators run in the flow's time): payloads received on the slot go into the job's operator input;
 * every output value is emitted on the event — as is when it is a plain object, else as
 * `{ value }`. When the job has nothing else to do, its operator input completes, so remainders
 * (a `bufferCount` partial buffer, a `debounceTime` last value) flush and are processed before
 * the job settles; values still in a timer (`delay`) hold the job open.
 *
 * @example
 * ```ts
 * class Batcher extends Routine {
 *   constructor() { super(); attachOperator(this, (scheduler) => bufferTime(this.getConfig('windowMs', 100), scheduler)); }
 * }
 * ```
 */
export function attachOperator(routine: Routine, make: (scheduler: SchedulerLike) => OperatorFunction<Payload, unknown>, options: OperatorRoutineOptions = {}): Routine {
  const event = routine.defineEvent(options.event ?? 'output');
  const limit = options.replayLimit ?? 10_000;
  if (!Number.isInteger(limit) || limit < 0) throw new ConfigurationError(`routine '${routine.id}': replayLimit must be a non-negative integer, got ${describeValue(limit)}`);
  const emptyAfterOutput = options.emptyAfterOutput === true;
  const instances = new WeakMap<ContextHost, OperatorInstance>();
  const start = (host: ContextHost, slot: Slot, restoring: boolean): OperatorInstance => {
    const inst = new OperatorInstance(host, slot, event, make(host.scheduler), host.operatorLog(routine, limit, !restoring), emptyAfterOutput);
    instances.set(host, inst);
    return inst;
  };
  const handler = function (data: Payload, ctx: unknown): void {
    const c = ctx as ActivationContext;
    let inst = instances.get(c.host);
    if (inst === undefined || inst.inputCompleted) inst = start(c.host, c.slot, false);
    inst.push(data);
  };
  const input = routine.defineSlot(options.slot ?? 'input', handler);
  if (options.trigger) routine.defineSlot('trigger', handler);
  routine._resumeOperator = (host) => start(host, input, true).replay();
  routine._replayLimit = limit;
  return routine;
}

/** @internal `Routine.fromOperator`: a plain routine around a fixed operator. */
export function operatorRoutine(routine: Routine, operator: OperatorFunction<Payload, unknown>, options?: OperatorRoutineOptions): Routine {
  return attachOperator(routine, () => operator, options);
}

/** One job's operator: its input Subject, the subscription to its output, and its log. */
class OperatorInstance implements Drain {
  readonly input = new Subject<Payload>();
  inputCompleted = false;
  private readonly sub: Subscription;
  /** Set while a payload is being pushed from inside an activation. */
  private pushing = false;
  private thrown: { error: unknown } | undefined = undefined;
  /** Outputs a replay must not emit again (they were emitted before the restore). */
  private suppress = 0;
  /** An output came while the current payload was pushed. */
  private output = false;

  get routine(): Routine {
    return this.slot.routine;
  }

  constructor(
    private readonly host: ContextHost,
    private readonly slot: Slot,
    event: Event,
    operator: OperatorFunction<Payload, unknown>,
    private readonly log: OperatorLog,
    private readonly emptyAfterOutput: boolean,
  ) {
    host.addDrain(this);
    const release = (): void => host.releaseDrain(this);
    this.sub = this.input.pipe(operator).subscribe({
      next: (value) => {
        if (this.suppress > 0) {
          this.suppress--;
          return;
        }
        this.output = true;
        if (this.emptyAfterOutput) log.clear();
        else log.emitted++;
        host.operatorChanged();
        host.emitFrom(event, toPayload(value));
      },
      error: (error: unknown) => {
        this.inputCompleted = true; // the next payload starts a fresh operator
        release();
        // Raised while handling a payload: that activation fails (so RETRY re-runs it).
        // Raised later (a timer inside the operator): the routine's policy, as a stream error.
        if (this.pushing) this.thrown = { error };
        else host.streamFailed(slot, error);
      },
      complete: () => {
        log.clear(); // an operator that completed holds nothing
        host.operatorChanged();
        release();
      },
    });
  }

  /**
   * Feeds one payload; an error the operator raises synchronously is rethrown to the activation.
   * The payload is logged (for a restore) once the operator took it without throwing, unless an
   * output it caused emptied the operator.
   */
  push(data: Payload): void {
    this.output = false;
    this.feed(data);
    if (this.emptyAfterOutput && this.output) return;
    this.log.add(data, this.host.now());
    this.host.operatorChanged();
  }

  /** A restore: the logged payloads go into this fresh operator; outputs already emitted are suppressed. */
  replay(): void {
    this.suppress = this.log.emitted;
    try {
      for (const { data } of this.log.inputs) this.feed(data);
    } catch (error) {
      this.host.streamFailed(this.slot, error);
    }
    this.suppress = 0;
  }

  private feed(data: Payload): void {
    this.pushing = true;
    try {
      this.input.next(data);
    } finally {
      this.pushing = false;
    }
    const thrown = this.thrown;
    if (thrown !== undefined) {
      this.thrown = undefined;
      throw thrown.error;
    }
  }

  completeInput(): void {
    if (this.inputCompleted) return;
    this.inputCompleted = true;
    this.input.complete();
  }

  stop(): void {
    this.inputCompleted = true;
    this.sub.unsubscribe();
  }
}

/** Plain objects pass as payloads; anything else (arrays, numbers, class instances) is wrapped. */
function toPayload(value: unknown): Payload {
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const proto = Object.getPrototypeOf(value);
    if (proto === Object.prototype || proto === null) return value as Payload;
  }
  return { value };
}
