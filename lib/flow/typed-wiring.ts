import { ConfigurationError } from '../errors/errors.js';
import type { Event } from '../model/event.js';
import type { Slot } from '../model/slot.js';
import type { FlowGraph } from '../model/flow-graph.js';

/**
 * The payload an event of type `A` delivers through the param mapping `M`: each mapped key
 * renamed, every other key passed through (modifiers kept). As at run time (compileMapping), a
 * mapped key wins over a passed-through key of its target name: the target has the mapped
 * value's type (or either type, when the mapped key is optional and so may be absent).
 *
 * @example
 * ```ts
 * type P = MappedPayload<{ value: number; label?: string }, { value: 'x' }>; // { x: number; label?: string }
 * type Q = MappedPayload<{ a: string; b: number }, { a: 'b' }>;             // { b: string }
 * ```
 */
// A passed-through key is dropped when a REQUIRED mapped key targets it (always written over it);
// an optional one may be absent, so both properties stay and their types are unioned. (Inline,
// not a helper type: typedoc documents only what is exported.)
// No mapping is the identity, written so: a generic `Event<T>` to `Slot<T>` then connects (the
// mapped type of an unresolved T is not simplified to T).
export type MappedPayload<A, M> = [keyof M] extends [never]
  ? A
  : {
      [K in keyof A as K extends keyof M
        ? M[K] & string
        : K extends { [J in keyof A & keyof M]-?: {} extends Pick<A, J> ? never : M[J] & string }[keyof A & keyof M]
          ? never
          : K]: A[K];
    };

/**
 * What a param mapping of a typed connection may hold: source keys of the event's payload `A`,
 * each renamed to a key of the slot's payload `B`. (`M` is the mapping itself, so that an
 * unknown key or target is a compile error at that key.)
 *
 * @example
 * ```ts
 * const m: ParamMappingOf<{ value: number }, { x: number }, { value: 'x' }> = { value: 'x' };
 * ```
 */
export type ParamMappingOf<A, B, M> = { readonly [K in keyof M]: K extends keyof A ? keyof B & string : never };

/**
 * @internal The routine id of a port handle, checked to be in `graph`: a handle of a routine
 * that is not in this flow (or of another routine that was given its id) is a ConfigurationError.
 *
 * @example
 * ```ts
 * const targetId = portRoutineId(graph, slot, 'connect');
 * ```
 */
export function portRoutineId(graph: FlowGraph, port: Slot<any> | Event<any>, where: string): string {
  const routine = port.routine;
  if (graph.routines.get(routine.id) !== routine) {
    const kind = isSlotHandle(port) ? 'slot' : 'event';
    throw new ConfigurationError(`${where}: the ${kind} '${port.name}' belongs to routine '${routine.id}', which is not in this flow; add it with flow.addRoutine first`);
  }
  return routine.id;
}

function isSlotHandle(port: Slot<any> | Event<any>): port is Slot<any> {
  return 'receive' in port;
}

/**
 * @internal Whether an argument is a port handle (the typed forms) rather than a routine id.
 *
 * @example
 * ```ts
 * if (isPort(first)) return portRoutineId(graph, first, 'observe');
 * ```
 */
export function isPort(value: unknown): value is Slot<any> | Event<any> {
  return typeof value === 'object' && value !== null && 'routine' in value && 'name' in value;
}
