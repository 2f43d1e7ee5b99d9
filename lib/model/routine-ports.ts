import type { Observable } from 'rxjs';
import { ConfigurationError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { Event } from './event.js';
import { Slot, type SlotHandler } from './slot.js';
import type { SlotOptions } from './slot-options.js';
import type { ExecutionContext } from './execution-context.js';
import { Configurable } from './configurable.js';
import { checkPortName } from './port-name.js';
import { FLUSH_SLOT } from './flush-slot.js';
import type { Routine } from './routine.js';
import { Join, checkJoin, type JoinOptions } from './join.js';

/**
 * What runs when a job has no queued or running work left, for a routine activated since its
 * last flush: it may emit (the job goes on) or do nothing.
 *
 * @example
 * ```ts
 * const flush: FlushHandler = (ctx) => ctx.emit('batch', { items: [] });
 * ```
 */
export type FlushHandler = (ctx: ExecutionContext) => void | PromiseLike<unknown> | Observable<unknown>;

/**
 * A routine's ports: its input slots and output events, by name, with the checks that keep
 * them consistent. The base of {@link Routine}, kept apart so each file holds one concept.
 *
 * @example
 * ```ts
 * class Parser extends Routine { constructor() { super(); this.defineSlot('in', (d) => this.emit('out', d)); this.defineEvent('out'); } }
 * ```
 */
export abstract class RoutinePorts extends Configurable {
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
    if (name === FLUSH_SLOT) throw new ConfigurationError(`routine '${this.id}': '${FLUSH_SLOT}' is reserved for the flush handler`);
    if (this.slots.has(name)) throw new ConfigurationError(`routine '${this.id}' already has a slot named '${name}'`);
    if (this.joins.has(name)) throw new ConfigurationError(`routine '${this.id}' already has a join named '${name}'; slots and joins share names`);
    if (handler !== undefined && typeof handler !== 'function') {
      throw new ConfigurationError(`routine '${this.id}' slot '${name}': handler must be a function, got ${typeof handler}`);
    }
    const slot = new Slot<T>(name, this as unknown as Routine, handler, options.mergeStrategy);
    slot.setActivation(options);
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
    if (this.events.has(name)) throw new ConfigurationError(`routine '${this.id}' already has an event named '${name}'`);
    const event = new Event<T>(name, this as unknown as Routine, Object.freeze(outputParams.slice()));
    this.events.set(name, event as unknown as Event);
    return event;
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
   * @throws {ConfigurationError} for an empty or taken name, fewer than two slots, a slot listed
   * twice or already handled, a handler that is not a function, or a mode other than zip/latest.
   * @example
   * ```ts
   * this.defineJoin('pair', ['order', 'payment'], ({ order, payment }, ctx) => ctx.emit('paid', { order, payment }));
   * ```
   */
  defineJoin(name: string, slots: readonly string[], handler: SlotHandler, options?: JoinOptions): Join {
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
      if (slot._handler !== undefined || slot._policy !== undefined) {
        throw new ConfigurationError(`${where}: slot '${slotName}' has a ${slot._handler !== undefined ? 'handler' : 'policy'} of its own; a join's slots have neither`);
      }
    }
    const members = slots.map((slotName) => this.slots.get(slotName) ?? this.defineSlot(slotName));
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
  defineFlush(handler: FlushHandler): void {
    if (typeof handler !== 'function') throw new ConfigurationError(`routine '${this.id}': defineFlush expects a function, got ${typeof handler}`);
    this._flushSlot = new Slot(FLUSH_SLOT, this as unknown as Routine, (_data, ctx) => handler.call(this, ctx));
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
