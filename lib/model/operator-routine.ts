import { Subject, type OperatorFunction, type SchedulerLike, type Subscription } from 'rxjs';
import type { Routine } from './routine.js';
import type { Payload } from '../core/payload.js';
import type { ActivationContext } from './activation-context.js';
import type { ContextHost } from './context-host.js';
import type { Drain } from './drain.js';
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
  const instances = new WeakMap<ContextHost, OperatorInstance>();
  const handler = function (data: Payload, ctx: unknown): void {
    const c = ctx as ActivationContext;
    let inst = instances.get(c.host);
    if (inst === undefined || inst.inputCompleted) {
      inst = new OperatorInstance(c.host, c.slot, event, make(c.host.scheduler));
      instances.set(c.host, inst);
    }
    inst.push(data);
  };
  routine.defineSlot(options.slot ?? 'input', handler);
  if (options.trigger) routine.defineSlot('trigger', handler);
  return routine;
}

/** @internal `Routine.fromOperator`: a plain routine around a fixed operator. */
export function operatorRoutine(routine: Routine, operator: OperatorFunction<Payload, unknown>, options?: OperatorRoutineOptions): Routine {
  return attachOperator(routine, () => operator, options);
}

/** One job's operator: its input Subject and the subscription to its output. */
class OperatorInstance implements Drain {
  readonly input = new Subject<Payload>();
  inputCompleted = false;
  private readonly sub: Subscription;
  /** Set while a payload is being pushed from inside an activation. */
  private pushing = false;
  private thrown: { error: unknown } | undefined = undefined;

  constructor(host: ContextHost, slot: Slot, event: Event, operator: OperatorFunction<Payload, unknown>) {
    host.addDrain(this);
    const release = (): void => host.releaseDrain(this);
    this.sub = this.input.pipe(operator).subscribe({
      next: (value) => host.emitFrom(event, toPayload(value)),
      error: (error: unknown) => {
        this.inputCompleted = true; // the next payload starts a fresh operator
        release();
        // Raised while handling a payload: that activation fails (so RETRY re-runs it).
        // Raised later (a timer inside the operator): the routine's policy, as a stream error.
        if (this.pushing) this.thrown = { error };
        else host.streamFailed(slot, error);
      },
      complete: release,
    });
  }

  /** Feeds one payload; an error the operator raises synchronously is rethrown to the activation. */
  push(data: Payload): void {
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
