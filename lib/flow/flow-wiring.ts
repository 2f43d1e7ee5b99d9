import type { Observable } from 'rxjs';
import type { Payload } from '../core/payload.js';
import type { Routine } from '../model/routine.js';
import type { Connection } from '../model/connection.js';
import type { Event } from '../model/event.js';
import type { Slot } from '../model/slot.js';
import type { FlowEngine } from './flow-engine.js';
import { isPort, portRoutineId, type MappedPayload, type ParamMappingOf } from './typed-wiring.js';

/**
 * The definition side of a {@link Flow}: its routines and their wiring, and the payload streams
 * of their events. `Flow` extends it with jobs; the split keeps each file one concept.
 *
 * Wiring comes in two forms. Handles (`routine.event('out')`, `routine.slot('in')`) are typed by
 * the routines' port maps: a connection whose payloads do not fit is a compile error at the
 * line of the mistake. Ids (`'parser', 'out'`) are for dynamic and deserialized graphs.
 *
 * @example
 * ```ts
 * flow.connect(parser.event('out'), store.slot('in'), { id: 'key' });
 * flow.observe(store.event('saved')).subscribe((saved) => console.log(saved.key));
 * ```
 */
export abstract class FlowWiring {
  /** @internal Everything behind the flow (see FlowEngine). */
  protected abstract readonly engine: FlowEngine;

  /** The routines by id. @example `[...flow.routines.keys()] // ['parser', 'store']` */
  get routines(): ReadonlyMap<string, Routine> {
    return this.engine.graph.routines;
  }

  /** The connections, in the order they were made. @example `flow.connections.map((c) => c.targetId)` */
  get connections(): readonly Connection[] {
    return this.engine.graph.connections;
  }

  /** Adds a routine under `id` (default: its own id); returns the id. @throws {ConfigurationError} for a duplicate id. @example `flow.addRoutine(new Parser(), 'parser')` */
  addRoutine(routine: Routine, id?: string): string {
    return this.engine.graph.add(routine, id);
  }

  /** The routine with `id`, if any. @example `flow.getRoutine('parser')?.stats()` */
  getRoutine(id: string): Routine | undefined {
    return this.engine.graph.routines.get(id);
  }

  /**
   * Wires an event to a slot. `paramMapping` `{ a: 'x' }` delivers `data.a` as `x`; other keys
   * pass through. Connecting the same pair again keeps one connection with the new mapping.
   * With handles the connection is type-checked: the event's payload, renamed by the mapping,
   * must fit the slot's payload, and the mapping may only rename keys of the event's payload
   * to keys of the slot's.
   *
   * @throws {ConfigurationError} for an unknown routine, event or slot, a handle of a routine
   * that is not in this flow, or a malformed mapping.
   * @example
   * ```ts
   * flow.connect(numbers.event('out'), square.slot('in'), { value: 'x' });
   * flow.connect('numbers', 'out', 'square', 'in', { value: 'x' });
   * ```
   */
  connect<A extends object, B extends object, const M extends ParamMappingOf<A, B, M> = {}>(
    event: Event<A>,
    slot: Slot<B> & Slot<MappedPayload<A, M>>,
    paramMapping?: M,
  ): Connection;
  connect(sourceId: string, eventName: string, targetId: string, slotName: string, paramMapping?: Record<string, string>): Connection;
  connect(...args: [Event<any>, Slot<any>, Record<string, string>?] | [string, string, string, string, Record<string, string>?]): Connection {
    const graph = this.engine.graph;
    if (!isPort(args[0])) {
      const [sourceId, eventName, targetId, slotName, mapping] = args as [string, string, string, string, Record<string, string>?];
      return graph.connect(sourceId, eventName, targetId, slotName, mapping ?? {});
    }
    const [event, slot, mapping] = args as [Event<any>, Slot<any>, Record<string, string>?];
    const sourceId = portRoutineId(graph, event, 'connect');
    const targetId = portRoutineId(graph, slot, 'connect');
    return graph.connect(sourceId, event.name, targetId, slot.name, mapping ?? {});
  }

  /** Removes a connection; `false` if there was none. @example `flow.disconnect('source', 'out', 'sink', 'in') // true` */
  disconnect(sourceId: string, eventName: string, targetId: string, slotName: string): boolean {
    return this.engine.graph.disconnect(sourceId, eventName, targetId, slotName);
  }

  /**
   * Payloads of one event from every job (hot), by handle (typed) or by ids.
   *
   * @throws {ConfigurationError} for an unknown routine or event, or a handle of a routine that is not in this flow.
   * @example
   * ```ts
   * flow.observe(sink.event('out')).subscribe((p) => console.log(p.value));
   * flow.observe('sink', 'out').subscribe(console.log);
   * ```
   */
  observe<T extends object>(event: Event<T>): Observable<T>;
  observe(routineId: string, eventName: string): Observable<Payload>;
  observe(first: string | Event<any>, eventName?: string): Observable<object> {
    const graph = this.engine.graph;
    if (isPort(first)) return graph.require(portRoutineId(graph, first, 'observe'))._requireEvent(first.name).asObservable();
    return graph.require(first)._requireEvent(eventName as string).asObservable();
  }
}
