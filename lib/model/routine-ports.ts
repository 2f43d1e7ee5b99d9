import type { StandardSchemaV1 } from '@standard-schema/spec';
import { ConfigurationError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { Event } from './event.js';
import { Slot, type SlotHandler } from './slot.js';
import type { Collected, CollectingSlotOptions, EventOptions, NotCollecting, SlotOptions, TypedCollectingSlotOptions, TypedSlotOptions } from './slot-options.js';
import type { ByName, CollectedItem, Fallback, GeneralSlotOptions, MergedSlotOptions, NoExtraOptions, PlainSlotOptions, Received } from './slot-payload-types.js';
import type { Admits } from './slot-admits.js';
import type { Collects, Declared, NoExtraCollecting, Unpoliced } from './slot-option-shape.js';
import type { AnyPorts, PayloadIfAny, PortData, PortMap, TypedName, UntypedName } from './typed-ports.js';
import { slotAdmission } from './slot-admission.js';
import { schemaCheck } from './standard-schema.js';
import type { ExecutionContext } from './execution-context.js';
import { Configurable } from './configurable.js';
import { checkPortName } from './port-name.js';
import { FLUSH_SLOT } from './flush-slot.js';
import type { Routine } from './routine.js';
import { Join, checkJoin, type JoinOptions } from './join.js';
import type { FlushHandler } from './flush-handler.js';

/**
 * A routine's ports: its input slots and output events, by name, with the checks that keep
 * them consistent. The base of {@link Routine}, kept apart so each file holds one concept.
 * `S` and `E` are the routine's slot and event maps (see {@link Routine}).
 *
 * @example
 * ```ts
 * class Parser extends Routine { constructor() { super(); this.defineSlot('in', (d) => this.emit('out', d)); this.defineEvent('out'); } }
 * ```
 */
export abstract class RoutinePorts<S extends PortMap<S> = AnyPorts, E extends PortMap<E> = AnyPorts> extends Configurable {
  private readonly slots = new Map<string, Slot>();
  private readonly events = new Map<string, Event>();
  private readonly joins = new Map<string, Join>();
  private lastEventName: string | undefined = undefined;
  private lastEvent: Event | undefined = undefined;
  /** @internal Set by attachOperator: rebuilds this routine's operator in a restored job and replays its log. */
  _resumeOperator: ((host: import('./context-host.js').ContextHost) => void) | undefined = undefined;
  /** @internal The replayLimit of that operator (see OperatorRoutineOptions). */
  _replayLimit = 0;
  /** @internal The hidden slot whose activations run the flush handler (see defineFlush). */
  _flushSlot: Slot | undefined = undefined;

  /**
   * Defines an input slot. `handler` is called with `this` = the routine. In a typed routine
   * (`Routine<S, E>`) the name must be a key of `S`, `S[name]` is what is sent to the slot, and
   * the handler receives it as the options make it (README, "Typed flows and validation"):
   * itself (override), `Appended<S[name]>` ('append'), a merge function's result, `{ items }`
   * (batch, window), a schema's output or a payload class instance (the schema must take what
   * the slot merges as its input), or for a registered strategy or policy a `Payload` unless the
   * handler's annotation says what it fires. In an untyped routine the payload type is the explicit
   * type argument, else `options.payloadClass`, else what `options.schema` produces, else a Payload,
   * and a merge function's `incoming` a Payload or its annotation (`I`). A schema checks each merged payload first.
   *
   * @throws {ConfigurationError} for a duplicate or empty name, a handler that is not a
   * function, a schema that is not a Standard Schema, or a payloadClass that is not a class.
   * @example
   * ```ts
   * this.defineSlot('in', this.onInput, { mergeStrategy: 'append' });
   * this.defineSlot('order', (order) => order.amount, { schema: z.object({ amount: z.number() }) });
   * ```
   */
  // The order matters: a typed routine's call resolves at the first two overloads if it can (what
  // keeps a large typed flow fast to check; each overload costs instantiations per routine class),
  // an untyped one's after those; the last form is the one whose error a wrong name or option
  // shows, and the one a routine generic over its slot map (names known by constraint) meets.
  defineSlot<K extends TypedName<S>, const O extends TypedCollectingSlotOptions<S[K]>, M extends object = Payload>(
    name: K,
    handler: SlotHandler<0 extends 1 & O ? Payload : Collected<CollectedItem<S[K], O, M>>, E> | undefined, // (options typed any: a Payload)
    options: O & Collects<O> & NoExtraCollecting<O>,
  ): Slot<S[K]>;
  defineSlot<K extends TypedName<S>>(name: K, handler?: SlotHandler<S[K], E>, options?: PlainSlotOptions<S[K]>): Slot<S[K]>;
  defineSlot<K extends TypedName<S>, M extends object = Payload>(name: K, handler: SlotHandler<M, E> | undefined, options: MergedSlotOptions<S[K], M>): Slot<S[K]>;
  defineSlot<K extends TypedName<S>, const O extends GeneralSlotOptions<S[K]>, M extends object = Payload>(
    name: K,
    handler: SlotHandler<Received<S[K], O, M>, E> | undefined,
    options: O & ByName<O> & Admits<S[K], O> & NoExtraOptions<O>,
  ): Slot<S[K]>;
  // Options of a declared type (`SlotOptions`, from config): a Payload, or the handler's claim.
  defineSlot<K extends TypedName<S>, const O extends TypedSlotOptions<S[K]>, M extends object = Payload>(name: K, handler: SlotHandler<M, E> | undefined, options: O & Declared<O> & NoExtraOptions<O> & Unpoliced<O> & Admits<S[K], O>): Slot<S[K]>;
  defineSlot<T extends object = Payload, I extends object = Payload>(name: UntypedName<S>, handler: SlotHandler<Collected<T>, E> | undefined, options: CollectingSlotOptions<T, I>): Slot<T>;
  defineSlot<T extends object, I extends object = Payload>(
    name: UntypedName<S>,
    handler: SlotHandler<T, E> | undefined,
    options: Omit<SlotOptions<T, I>, 'schema'> & { payloadClass: new (...args: any[]) => T; schema?: StandardSchemaV1<unknown, object> } & NotCollecting,
  ): Slot<T>;
  defineSlot<T extends object = Payload, I extends object = Payload>(name: UntypedName<S>, handler?: SlotHandler<T, E>, options?: SlotOptions<T, I> & NotCollecting): Slot<T>;
  // Options known only at run time (from config, JSON): the handler takes what they make it get.
  defineSlot<T extends object = any, I extends object = Payload>(name: UntypedName<S>, handler: SlotHandler<T, E> | undefined, options: SlotOptions<any, I>): Slot<Payload>;
  // (also a routine generic over its slot map, whose names are known only by their constraint)
  defineSlot<K extends keyof S & string, const O extends GeneralSlotOptions<PayloadIfAny<S[K]>> = {}>(
    name: K,
    handler?: SlotHandler<Received<S[K], O, Fallback<S[K], O>>, E>,
    options?: O & Unpoliced<O> & Admits<S[K], O> & NoExtraOptions<O>,
  ): Slot<S[K]>;
  defineSlot(name: string, handler?: SlotHandler<any, any>, given: SlotOptions<any, any> | MergedSlotOptions<any, any> | TypedCollectingSlotOptions<any> = {}): Slot<any> {
    const options = given as SlotOptions<any>;
    checkPortName(this.id, 'slot', name);
    if (name === FLUSH_SLOT) throw new ConfigurationError(`routine '${this.id}': '${FLUSH_SLOT}' is reserved for the flush handler`);
    if (this.slots.has(name)) throw new ConfigurationError(`routine '${this.id}' already has a slot named '${name}'`);
    if (this.joins.has(name)) throw new ConfigurationError(`routine '${this.id}' already has a join named '${name}'; slots and joins share names`);
    if (handler !== undefined && typeof handler !== 'function') {
      throw new ConfigurationError(`routine '${this.id}' slot '${name}': handler must be a function, got ${typeof handler}`);
    }
    if (typeof options !== 'object' || options === null) throw new ConfigurationError(`routine '${this.id}' slot '${name}': options must be an object`);
    const admit = slotAdmission(options, () => `routine '${this.id}' slot '${name}'`);
    const slot = new Slot(name, this as unknown as Routine, handler as SlotHandler | undefined, options.mergeStrategy);
    slot._admit = admit;
    slot.setActivation(options);
    this.slots.set(name, slot);
    return slot;
  }

  /**
   * Defines an output event; `outputParams` documents the payload's keys. In a typed routine the
   * name must be a key of `E`. With `options.schema`, every emit is checked (see {@link EventOptions}).
   *
   * @throws {ConfigurationError} for a duplicate or empty name, or a schema that is not a Standard Schema.
   * @example
   * ```ts
   * this.defineEvent('out', ['value']);
   * this.defineEvent('order', [], { schema: z.object({ id: z.string() }) });
   * ```
   */
  defineEvent<K extends TypedName<E>>(name: K, outputParams?: string[], options?: EventOptions<E[K]>): Event<E[K]>;
  defineEvent<T extends object = Payload>(name: UntypedName<E>, outputParams?: string[], options?: EventOptions<T>): Event<T>;
  defineEvent<K extends keyof E & string>(name: K, outputParams?: string[], options?: EventOptions<PortData<E, K>>): Event<PortData<E, K>>;
  defineEvent(name: string, outputParams: string[] = [], options: EventOptions<any> = {}): Event<any> {
    checkPortName(this.id, 'event', name);
    if (this.events.has(name)) throw new ConfigurationError(`routine '${this.id}' already has an event named '${name}'`);
    if (typeof options !== 'object' || options === null) throw new ConfigurationError(`routine '${this.id}' event '${name}': options must be an object`);
    const check = options.schema === undefined ? undefined : schemaCheck(options.schema, () => `routine '${this.id}' event '${name}'`);
    const event = new Event(name, this as unknown as Routine, Object.freeze(outputParams.slice()));
    event._check = check;
    this.events.set(name, event);
    return event;
  }

  /**
   * The typed handle of slot `name`, for `flow.connect`, `flow.start`, `job.send` and `job.input`.
   *
   * @throws {ConfigurationError} when the routine has no such slot.
   * @example
   * ```ts
   * flow.connect(parser.event('out'), store.slot('in'));
   * ```
   */
  slot<K extends keyof S & string>(name: K): Slot<PortData<S, K>> {
    return this._requireSlot(name) as Slot<any>;
  }

  /**
   * The typed handle of event `name`, for `flow.connect`, `flow.observe` and `job.observe`.
   *
   * @throws {ConfigurationError} when the routine has no such event.
   * @example
   * ```ts
   * job.observe(store.event('saved')).subscribe((saved) => console.log(saved.id));
   * ```
   */
  event<K extends keyof E & string>(name: K): Event<PortData<E, K>> {
    return this._requireEvent(name) as Event<any>;
  }

  /**
   * Defines a join: the listed slots feed `handler` together instead of having handlers of
   * their own. In `'zip'` mode (default) it fires once every listed slot has an unconsumed
   * payload in the job, with the oldest of each; in `'latest'` mode on every arrival once every
   * slot has data, with the latest of each. The handler receives `{ [slot]: payload }`. Listed
   * slots not defined yet are defined (merge `override`); defined ones must have no handler
   * and no policy (define them first, with no handler, to give them a merge strategy). What a
   * join holds lives in the job (`JobState.policies`); a job that runs out of work while a join
   * still waits for a side completes with a `join-incomplete` record of what was waiting.
   *
   * In a typed routine fewer than two slots, or one that is not the routine's, do not compile.
   *
   * @throws {ConfigurationError} for an empty or taken name, fewer than two slots, a slot listed
   * twice or already handled, a handler that is not a function, or a mode other than zip/latest.
   * @example
   * ```ts
   * this.defineJoin('pair', ['order', 'payment'], ({ order, payment }, ctx) => ctx.emit('paid', { order, payment }));
   * ```
   */
  // A typed routine lists two slots or more at compile time; an untyped one may pass a string[]
  // (checked at run time); the last form is the one whose error a wrong slot name shows.
  defineJoin<K extends TypedName<S>>(name: string, slots: readonly [K, K, ...K[]], handler: SlotHandler<{ [P in K]: S[P] }, E>, options?: JoinOptions): Join;
  // (an array of unknown length, e.g. a variable typed ('a' | 'b')[], is checked at run time)
  defineJoin<K extends TypedName<S>, const L extends readonly K[]>(name: string, slots: number extends L['length'] ? L : never, handler: SlotHandler<{ [P in K]: S[P] }, E>, options?: JoinOptions): Join;
  defineJoin<K extends UntypedName<S>>(name: string, slots: readonly K[], handler: SlotHandler<{ [P in K]: Payload }, E>, options?: JoinOptions): Join;
  defineJoin<K extends keyof S & string>(name: string, slots: readonly [K, K, ...K[]], handler: SlotHandler<{ [P in K]: PortData<S, P> }, E>, options?: JoinOptions): Join;
  defineJoin(name: string, slots: readonly string[], handler: SlotHandler<any, any>, options?: JoinOptions): Join {
    const mode = checkJoin(this.id, name, slots, handler, options);
    const where = `routine '${this.id}' join '${name}'`;
    if (this.joins.has(name) || this.slots.has(name)) throw new ConfigurationError(`${where}: the routine already has a ${this.joins.has(name) ? 'join' : 'slot'} named '${name}'`);
    // Everything is checked before any slot is defined, so a refused join changes nothing.
    for (const slotName of slots) {
      checkPortName(this.id, 'slot', slotName);
      if (slotName === FLUSH_SLOT || slotName === name || this.joins.has(slotName)) {
        throw new ConfigurationError(`${where}: '${slotName}' cannot be one of its slots (${slotName === FLUSH_SLOT ? 'reserved for the flush handler' : 'the name of a join'})`);
      }
      const slot = this.slots.get(slotName);
      if (slot === undefined) continue;
      if (slot.join !== undefined) throw new ConfigurationError(`${where}: slot '${slotName}' already feeds join '${slot.join.name}'`);
      if (slot._admit !== undefined) throw slot.policyWithSchema();
      if (slot._handler !== undefined || slot._policy !== undefined) {
        throw new ConfigurationError(`${where}: slot '${slotName}' has a ${slot._handler !== undefined ? 'handler' : 'policy'} of its own; a join's slots have neither`);
      }
    }
    const members = slots.map((slotName) => this.slots.get(slotName) ?? (this as unknown as RoutinePorts).defineSlot(slotName));
    const join = new Join(name, this as unknown as Routine, members, mode, handler);
    members.forEach((slot, i) => {
      slot._policy = join;
      slot._policyIndex = i;
      slot._handler = handler;
    });
    this.joins.set(name, join);
    return join;
  }

  /** The join named `name`, if defined. @example `routine.getJoin('pair')?.slotNames` */
  getJoin(name: string): Join | undefined {
    return this.joins.get(name);
  }

  /** Every join, in definition order. @example `routine.joinList().map((j) => j.name)` */
  joinList(): readonly Join[] {
    return [...this.joins.values()];
  }

  /**
   * Called per job when the job has no queued or running work left, if this routine was
   * activated since its last flush, before the job settles: the place to emit a partial batch.
   * It runs as an activation (error policy, async results, `ctx.emit`); what it emits restarts
   * work, and the job settles only once flushes add nothing. Replaces a previous one.
   *
   * @throws {ConfigurationError} when `handler` is not a function.
   * @example
   * ```ts
   * this.defineSlot('in', (d, ctx) => ctx.updateRoutineState({ n: 1 }), { mergeStrategy: 'append' });
   * this.defineFlush((ctx) => ctx.emit('batch', { items: ctx.jobState.slotData[`${this.id}.in`] }));
   * ```
   */
  defineFlush(handler: FlushHandler<E>): void {
    if (typeof handler !== 'function') throw new ConfigurationError(`routine '${this.id}': defineFlush expects a function, got ${typeof handler}`);
    this._flushSlot = new Slot(FLUSH_SLOT, this as unknown as Routine, (_data, ctx) => handler.call(this, ctx as ExecutionContext<any>));
  }

  /** @internal The event, or a ConfigurationError naming the routine and event. */
  _requireEvent(eventName: string): Event {
    // Most routines emit on one event over and over: a one-entry cache skips the Map lookup
    // (and, this small, is inlined into every emit; the lookup is a call of its own).
    return eventName === this.lastEventName ? this.lastEvent! : this._lookUpEvent(eventName);
  }

  /** The lookup behind {@link _requireEvent}, which throws for an event the routine does not have. */
  private _lookUpEvent(eventName: string): Event {
    const event = this.events.get(eventName);
    if (event !== undefined) {
      this.lastEventName = eventName;
      this.lastEvent = event;
    }
    if (event === undefined) {
      throw new ConfigurationError(
        `routine '${this.id}' has no event '${eventName}'; defined events: ${[...this.events.keys()].join(', ') || '(none)'}`,
      );
    }
    return event;
  }

  /** @internal The slot, or a ConfigurationError naming the routine and slot. */
  _requireSlot(slotName: string): Slot {
    const slot = this.slots.get(slotName);
    if (slot === undefined) {
      throw new ConfigurationError(
        `routine '${this.id}' has no slot '${slotName}'; defined slots: ${[...this.slots.keys()].join(', ') || '(none)'}`,
      );
    }
    return slot;
  }

  /** The slot named `name`, if defined. @example `routine.getSlot('in')?.receive({})` */
  getSlot(name: string): Slot | undefined {
    return this.slots.get(name) ?? (name === FLUSH_SLOT ? this._flushSlot : undefined);
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
}
