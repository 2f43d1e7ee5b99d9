import { unsubscribeQuietly } from '../core/unsubscribe-quietly.js';
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
import { ReplayScheduler } from './replay-scheduler.js';

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
  /**
   * The operator's state depends only on the payload that caused its last output, and payloads
   * that cause no output change nothing (`throttleTime` with `leading` only): the log keeps just
   * that payload, so a long stream stays restorable and a replay reopens the same window.
   */
  lastOutputOnly?: boolean;
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
  const mode: LogMode = options.lastOutputOnly === true ? 'last-output' : options.emptyAfterOutput === true ? 'since-output' : 'all';
  const instances = new WeakMap<ContextHost, OperatorInstance>();
  const start = (host: ContextHost, slot: Slot, restoring: boolean): OperatorInstance => {
    // Its own scheduler, so a restore can replay the operator's timers in the time they had.
    const scheduler = new ReplayScheduler(host.scheduler);
    const log = host.operatorLog(routine, limit, !restoring);
    const inst = new OperatorInstance(host, slot, event, () => make(scheduler), scheduler, log, mode);
    instances.set(host, inst);
    if (!restoring) {
      log.clear(scheduler.now()); // a fresh log: its timers' phase starts now
      inst.open();
    }
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

/** What the log keeps: every input, the inputs since the last output, or the input of the last output. */
type LogMode = 'all' | 'since-output' | 'last-output';

/** One job's operator: its input Subject, the subscription to its output, and its log. */
class OperatorInstance implements Drain {
  readonly input = new Subject<Payload>();
  inputCompleted = false;
  private sub: Subscription | undefined = undefined;
  /** Set while a payload is being pushed from inside an activation. */
  private pushing = false;
  private thrown: { error: unknown } | undefined = undefined;
  /** Outputs a replay must not emit again (they were emitted before the restore). */
  private suppress = 0;
  /** Outputs that came while the current payload was pushed. */
  private outputs = 0;

  get routine(): Routine {
    return this.slot.routine;
  }

  constructor(
    private readonly host: ContextHost,
    private readonly slot: Slot,
    private readonly event: Event,
    private readonly make: () => OperatorFunction<Payload, unknown>,
    private readonly scheduler: ReplayScheduler,
    private readonly log: OperatorLog,
    private readonly mode: LogMode,
  ) {
    host.addDrain(this);
  }

  /** Subscribes the operator (now, or at the virtual start of a replay). */
  open(): void {
    const { host, log, slot, event } = this;
    const release = (): void => host.releaseDrain(this);
    this.sub = this.input.pipe(this.make()).subscribe({
      next: (value) => {
        if (this.suppress > 0) {
          this.suppress--;
          return;
        }
        this.outputs++;
        if (this.mode === 'since-output') log.clear(this.scheduler.now());
        else log.emitted++;
        host.operatorChanged();
        host.emitFrom(event, toPayload(value));
      },
      error: (error: unknown) => {
        this.inputCompleted = true; // the next payload starts a fresh operator
        log.end(); // and a restore must not replay this one
        host.operatorChanged();
        release();
        // Raised while handling a payload: that activation fails (so RETRY re-runs it).
        // Raised later (a timer inside the operator): the routine's policy, as a stream error.
        if (this.pushing) this.thrown = { error };
        else host.streamFailed(slot, error);
      },
      complete: () => {
        log.end(); // an operator that completed holds nothing
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
    this.outputs = 0;
    this.feed(data);
    const at = this.scheduler.now();
    if (this.mode === 'last-output') {
      if (this.outputs === 0) return; // it changed nothing
      this.log.clear(at);
      this.log.add(data, at);
      this.log.emitted = this.outputs;
    } else {
      if (this.mode === 'since-output' && this.outputs > 0) return;
      this.log.add(data, at);
    }
    this.host.operatorChanged();
  }

  /**
   * A restore: the logged payloads go into this fresh operator at the times they arrived (its
   * timers run in between, in virtual time); outputs already emitted are suppressed.
   */
  replay(): void {
    const start = this.log.rebase(this.scheduler.now());
    // The job's snapshot must show the rebased log: one taken before (the restore's own, when
    // it comes back paused) holds the saved clock's times, which a later save would pair with
    // this clock's updatedAt, and a restore of that save would fire the timers early.
    this.host.operatorChanged();
    this.suppress = this.log.emitted;
    try {
      this.scheduler.replay(start, this.log.inputs, () => this.open(), ({ data }) => this.feed(data));
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
    try {
      this.input.complete();
    } catch {
      // The operator completed; its teardown threw on the way out (RxJS's UnsubscriptionError).
      // Its outputs are all out: the cleanup's failure must not keep the job from settling.
    }
  }

  stop(): void {
    this.inputCompleted = true;
    unsubscribeQuietly(this.sub);
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
