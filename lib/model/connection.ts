import type { Payload } from '../core/payload.js';
import type { Event } from './event.js';
import type { Slot } from './slot.js';
import { setOwn } from '../core/own-property.js';

/**
 * Compiles a param mapping into the function a delivery applies: the output is the input
 * without the mapped source keys, then each mapped source key present in the input is written
 * under its target name (winning over a passed-through key of that name). No mapping is the
 * identity: the emitted payload itself is delivered, without a copy.
 *
 * @example
 * ```ts
 * compileMapping({ a: 'x' })({ a: 1, b: 2 }); // { b: 2, x: 1 }
 * ```
 */
export function compileMapping(mapping: Readonly<Record<string, string>>): (data: Payload) => Payload {
  const sources = Object.keys(mapping);
  if (sources.length === 0) return identity;
  const targets = sources.map((s) => mapping[s]);
  const mapped = new Set(sources);
  return (data) => {
    const out: Payload = {};
    for (const key in data) if (!mapped.has(key)) setOwn(out, key, data[key]);
    for (let i = 0; i < sources.length; i++) {
      if (Object.prototype.hasOwnProperty.call(data, sources[i])) setOwn(out, targets[i], data[sources[i]]);
    }
    return out;
  };
}

const identity = (data: Payload): Payload => data;

/**
 * An edge from a routine's event to a routine's slot, with its param mapping: in RxJS terms
 * `map(paramMapping)` feeding the slot's merge. Created by `flow.connect`.
 *
 * @example
 * ```ts
 * const c = flow.connect('source', 'out', 'sink', 'in', { value: 'x' });
 * c.paramMapping; // { value: 'x' }
 * ```
 */
export class Connection {
  readonly paramMapping: Readonly<Record<string, string>>;
  /** @internal */ readonly map: (data: Payload) => Payload;
  /** @internal The flow's task queue numbers this edge on first use (see TaskQueue). */
  _route = -1;

  /** @internal */ readonly event: Event;
  /** @internal */ readonly slot: Slot;

  // Plain parameters (not parameter properties): the published types keep a clean signature.
  constructor(event: Event, slot: Slot, paramMapping: Record<string, string> = {}) {
    this.event = event;
    this.slot = slot;
    this.paramMapping = Object.freeze({ ...paramMapping });
    this.map = compileMapping(this.paramMapping);
  }

  get sourceId(): string {
    return this.event.routine.id;
  }
  get eventName(): string {
    return this.event.name;
  }
  get targetId(): string {
    return this.slot.routine.id;
  }
  get slotName(): string {
    return this.slot.name;
  }

  /** Plain data, as in `flow.toJSON().connections`. @example `JSON.stringify(connection)` */
  toJSON(): { sourceId: string; eventName: string; targetId: string; slotName: string; paramMapping: Record<string, string> } {
    return { sourceId: this.sourceId, eventName: this.eventName, targetId: this.targetId, slotName: this.slotName, paramMapping: { ...this.paramMapping } };
  }
}
