import type { InteropObservable, Observable } from 'rxjs';
import { ConfigurationError } from '../errors/errors.js';
import { compileMerge, type CompiledMerge, type MergeStrategy } from './merge.js';
import type { Payload } from '../core/payload.js';
import type { Routine } from './routine.js';
import type { ExecutionContext } from './execution-context.js';
import { ActivationContext } from './activation-context.js';
import { DetachedHost } from './detached-host.js';
import { runInContext } from './current-context.js';
import type { PayloadCheck } from './standard-schema.js';
import type { AnyPorts, PortMap } from './typed-ports.js';
import { compileSlotPolicy, type BatchOptions, type SlotActivationOptions, SlotPolicy } from './slot-policy.js';
import type { PolicyDef } from './policy-cell.js';
import type { Join } from './join.js';

/**
 * A slot handler: receives the merged payload and the activation's context. The activation
 * ends when what it returns settles (nothing, a promise, or an observable — RxJS's or any
 * interop observable).
 *
 * @example
 * ```ts
 * const handler: SlotHandler<{ value: number }> = (data, ctx) => ctx.emit('out', { value: data.value + 1 });
 * ```
 */
export type SlotHandler<T extends object = Payload, E extends PortMap<E> = AnyPorts> = (
  data: T,
  ctx: ExecutionContext<E>,
) => void | PromiseLike<unknown> | Observable<unknown> | InteropObservable<unknown>;

/**
 * A named input of a routine: a handler plus a merge strategy (and optionally a schema and a
 * payload class). Inside a flow the slot's data is kept per job; {@link Slot.receive} runs it
 * directly, outside any flow, for unit tests. `T` is the payload type the handler receives: a
 * typed slot handle (`routine.slot('in')`) types `flow.connect`, `flow.start`, `job.send` and
 * `job.input`. `T` is declared contravariant (`in`): a `Slot<KV>` is not a `Slot<K>`. Without the
 * annotation the published types, whose internal handler is stripped, would leave only the
 * method `receive(data: T)` and so a bivariant `T`.
 *
 * @example
 * ```ts
 * const slot = routine.defineSlot('in', (d) => console.log(d));
 * slot.receive({ x: 1 }); // logs { x: 1 }
 * ```
 */
export class Slot<in T extends object = Payload> {
  /** @internal */ _merge: CompiledMerge;
  /** @internal The schema check and payload class of the slot (see slotAdmission); undefined when it has neither. */
  _admit: PayloadCheck | undefined = undefined;
  private strategy: MergeStrategy;
  private detached?: DetachedHost;
  /**
   * @internal The activation policy this slot feeds (a join, or its own batch, window or
   * custom policy): payloads go into the job's policy state, and the handler runs when it fires.
   */
  _policy: PolicyDef | undefined = undefined;
  /** {@link Slot.key}, and the routine id it was made from. */
  private keyOf: string | undefined = undefined;
  private keyText = '';
  /** @internal The slot's place among its join's slots (0 otherwise). */
  _policyIndex = 0;

  /** @internal The handler; a join's slots get the join's. */ _handler: SlotHandler<T, any> | undefined;

  // `handler` is a plain parameter (not a parameter property) so that stripping internals from
  // the published types leaves a clean constructor signature.
  constructor(
    readonly name: string,
    readonly routine: Routine,
    handler: SlotHandler<T, any> | undefined,
    mergeStrategy: MergeStrategy = 'override',
  ) {
    this._handler = handler;
    this.strategy = mergeStrategy;
    this._merge = compileMerge(mergeStrategy, `routine '${routine.id}' slot '${name}'`);
  }

  /** How incoming payloads combine with the slot's data for the job. */
  get mergeStrategy(): MergeStrategy {
    return this.strategy;
  }

  /**
   * Replaces the merge strategy (used by `Flow.fromJSON`, where the JSON's strategy wins).
   *
   * @example
   * ```ts
   * slot.setMergeStrategy('append');
   * ```
   */
  setMergeStrategy(strategy: MergeStrategy): void {
    this._merge = compileMerge(strategy, `routine '${this.routine.id}' slot '${this.name}'`);
    this.strategy = strategy;
  }

  /**
   * The slot's own activation policy as options (`{ batch }`, `{ window }` or `{ activation }`),
   * or `undefined` when it has none (a join's slots feed the join: see {@link Slot.join}).
   *
   * @example
   * ```ts
   * routine.defineSlot('in', handler, { batch: { size: 10 } }).activationOptions(); // { batch: { size: 10 } }
   * ```
   */
  activationOptions(): SlotActivationOptions | undefined {
    return this._policy instanceof SlotPolicy ? this._policy.options() : undefined;
  }

  /** The batch options, when the slot batches. @example `slot.batch?.size` */
  get batch(): BatchOptions | undefined {
    return this.activationOptions()?.batch;
  }

  /** The tumbling window (ms), when the slot has one. @example `slot.window // 1000` */
  get window(): number | undefined {
    return this.activationOptions()?.window;
  }

  /** The registered activation policy's name, when the slot uses one. @example `slot.activation // 'everyThird'` */
  get activation(): string | undefined {
    return this.activationOptions()?.activation;
  }

  /** The join this slot feeds, if any. @example `slot.join?.name // 'pair'` */
  get join(): Join | undefined {
    return this._policy !== undefined && !(this._policy instanceof SlotPolicy) ? (this._policy as Join) : undefined;
  }

  /**
   * Replaces the slot's activation policy (used by `Flow.fromJSON`, where the JSON's wins): one
   * of `batch`, `window`, `activation`, or none of them for an ordinary slot.
   *
   * @throws {ConfigurationError} for bad options (naming the routine, slot and option), or on a
   * slot that feeds a join.
   * @example
   * ```ts
   * slot.setActivation({ batch: { size: 100, maxWait: 50 } });
   * ```
   */
  setActivation(options: SlotActivationOptions): void {
    const policy = compileSlotPolicy(this, options);
    if (this.join !== undefined) {
      if (policy === undefined) return;
      throw new ConfigurationError(`routine '${this.routine.id}' slot '${this.name}' feeds join '${this.join.name}': it cannot have an activation policy of its own`);
    }
    if (policy !== undefined && this._admit !== undefined) throw this.policyWithSchema();
    this._policy = policy;
  }

  /**
   * Merges `data` into the slot's own (non-job) data and calls the handler synchronously,
   * outside any flow: emits go to `event.asObservable()` only. For unit-testing a routine. A
   * schema and a payload class apply as in a flow; an invalid payload throws a ValidationError.
   *
   * @throws {ConfigurationError} when the slot's schema (or an event schema the handler emits
   * on) is asynchronous: `receive` is synchronous, so run such a routine in a flow.
   *
   * @example
   * ```ts
   * routine.getEvent('out')!.asObservable().subscribe(console.log);
   * routine.getSlot('in')!.receive({ value: 1 });
   * ```
   */
  receive(data: T): void {
    // A join's slots share one host, where the join's state is.
    const owner: Slot = this.join?.slots[0] ?? (this as Slot);
    const host = (owner.detached ??= new DetachedHost(this.routine));
    let cell = host.slotData.get(this as Slot);
    if (cell === undefined) host.slotData.set(this as Slot, (cell = { data: undefined, scratch: undefined }));
    const merged = this._merge(cell.data, data as Payload, cell);
    cell.data = merged;
    const admitted = this._admit === undefined ? merged : this._admit(merged);
    if (admitted instanceof Promise) {
      admitted.catch(() => undefined); // its outcome is not waited for: never an unhandled rejection
      throw this.notSynchronous('its schema is asynchronous');
    }
    // A policy slot: the detached host keeps the policy's state; outside a flow there is no
    // scheduler time and no idle point, so only sizes, joins and custom policies fire here.
    const fire = this._policy === undefined ? (admitted as Payload) : host.policyCell(this._policy).take(merged, this._policyIndex);
    if (this._handler === undefined || fire === undefined) return;
    const ctx = new ActivationContext(host, this as unknown as Slot, 1, ++host.received);
    runInContext(ctx, this._handler as SlotHandler, this.routine, fire, ctx);
    if (ctx.checking) throw this.notSynchronous('its handler emitted on an event whose schema is asynchronous');
  }

  /**
   * @internal A schema or payload class checks the payload a handler receives; a policy changes
   * that payload (`{ items }`, a join's tuple), so the two do not combine (yet).
   */
  policyWithSchema(): ConfigurationError {
    return new ConfigurationError(`routine '${this.routine.id}' slot '${this.name}': an activation policy (batch, window, activation or a join) cannot be combined with a schema or payloadClass yet`);
  }

  private notSynchronous(why: string): ConfigurationError {
    return new ConfigurationError(`routine '${this.routine.id}' slot '${this.name}': Slot.receive is synchronous and ${why}; run the routine in a flow (job.send) instead`);
  }

  /** The routine-and-slot key used in `JobState.slotData`. */
  get key(): string {
    // Kept, with the routine id it was made from: every job's snapshot reads it, and a new
    // string per read was also interned anew as a property key.
    const id = this.routine.id;
    if (this.keyOf !== id) {
      this.keyOf = id;
      this.keyText = `${id}.${this.name}`;
    }
    return this.keyText;
  }
}
