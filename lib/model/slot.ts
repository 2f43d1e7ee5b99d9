import type { InteropObservable, Observable } from 'rxjs';
import { ConfigurationError } from '../errors/errors.js';
import { compileMerge, type CompiledMerge, type MergeStrategy } from './merge.js';
import type { Payload } from '../core/payload.js';
import type { Routine } from './routine.js';
import type { ExecutionContext } from './execution-context.js';
import { ActivationContext } from './activation-context.js';
import { DetachedHost } from './detached-host.js';
import { runInContext } from './current-context.js';
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
export type SlotHandler<T extends Payload = Payload> = (
  data: T,
  ctx: ExecutionContext,
) => void | PromiseLike<unknown> | Observable<unknown> | InteropObservable<unknown>;

/**
 * A named input of a routine: a handler plus a merge strategy. Inside a flow the slot's data
 * is kept per job; {@link Slot.receive} runs it directly, outside any flow, for unit tests.
 *
 * @example
 * ```ts
 * const slot = routine.defineSlot('in', (d) => console.log(d));
 * slot.receive({ x: 1 }); // logs { x: 1 }
 * ```
 */
export class Slot<T extends Payload = Payload> {
  /** @internal */ _merge: CompiledMerge;
  private strategy: MergeStrategy;
  private detached?: DetachedHost;
  /**
   * @internal The activation policy this slot feeds (a join, or its own batch, window or
   * custom policy): payloads go into the job's policy state, and the handler runs when it fires.
   */
  _policy: PolicyDef | undefined = undefined;
  /** @internal The slot's place among its join's slots (0 otherwise). */
  _policyIndex = 0;

  constructor(
    readonly name: string,
    readonly routine: Routine,
    /** @internal The handler; a join's slots get the join's. */ public _handler: SlotHandler<T> | undefined,
    mergeStrategy: MergeStrategy = 'override',
  ) {
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
    this._policy = policy;
  }

  /**
   * Merges `data` into the slot's own (non-job) data and calls the handler synchronously,
   * outside any flow: emits go to `event.asObservable()` only. For unit-testing a routine.
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
    const merged = this._merge(cell.data, data, cell) as T;
    // A policy slot: the detached host keeps the policy's state; outside a flow there is no
    // scheduler time and no idle point, so only sizes, joins and custom policies fire here.
    const fire = this._policy === undefined ? merged : host.policyCell(this._policy).take(merged, this._policyIndex);
    cell.data = merged;
    if (this._handler === undefined || fire === undefined) return;
    const ctx = new ActivationContext(host, this as Slot, 1, ++host.received);
    runInContext(ctx, this._handler as SlotHandler, this.routine, fire, ctx);
  }

  /** The routine-and-slot key used in `JobState.slotData`. */
  get key(): string {
    return `${this.routine.id}.${this.name}`;
  }
}
