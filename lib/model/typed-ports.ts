import type { Payload } from '../core/payload.js';

/**
 * The port map of an untyped routine: any slot or event name, each carrying a {@link Payload}.
 * It is the default of `Routine`'s type parameters. (`any` here, not `Payload`, so that every
 * typed routine is still a `Routine`: a map whose payloads are interfaces has no index
 * signature. The port types below turn it back into `Payload` wherever a payload is seen.)
 *
 * @example
 * ```ts
 * const r: Routine<AnyPorts, AnyPorts> = new Routine(); // the same as `Routine`
 * ```
 */
export type AnyPorts = Record<string, any>;

/**
 * The constraint of a port map: names to payload types, where a payload type is any object
 * type (interfaces and classes included: no index signature needed).
 *
 * @example
 * ```ts
 * interface Slots { in: RawLine }
 * const ok: PortMap<Slots> = { in: { line: '' } };
 * ```
 */
export type PortMap<P> = { [K in keyof P]: object };

/**
 * The payload type of port `K` of the map `P`: `P[K]` for a typed map, {@link Payload} for an
 * untyped one (whose keys are every string).
 *
 * @example
 * ```ts
 * type T = PortData<{ in: RawLine }, 'in'>; // RawLine
 * type U = PortData<AnyPorts, 'x'>;         // Payload
 * ```
 */
export type PortData<P, K extends PropertyKey> = string extends keyof P ? Payload : [keyof P] extends [never] ? Payload : P[K & keyof P];

/**
 * A slot type `T` as a merge function's `incoming` is typed by it: {@link Payload} for the `any`
 * of an untyped map, else `T` (a generic routine's `S[K]` included, related through its constraint).
 *
 * @example
 * ```ts
 * type A = PayloadIfAny<any>;           // Payload
 * type B = PayloadIfAny<{ v: number }>; // { v: number }
 * ```
 */
// Distributive over T on purpose: a generic `S[K]` leaves it deferred, and TypeScript relates a
// deferred distributive conditional through the constraint of `S[K]` (a deferred
// `string extends keyof S ? …`, as in PortData, is related to nothing).
export type PayloadIfAny<T> = T extends unknown ? (0 extends 1 & T ? Payload : T) : never;

/**
 * What an emit on port `K` of the map `P` accepts: `P[K]` for a typed map, any object for an
 * untyped one (any object type is a payload, interfaces included). Wider than
 * {@link PortData} on purpose: it is also what lets a typed routine's context stand in for an
 * untyped one.
 *
 * @example
 * ```ts
 * type T = EmitData<{ out: Parsed }, 'out'>; // Parsed
 * type U = EmitData<AnyPorts, 'x'>;          // object
 * ```
 */
export type EmitData<P, K extends PropertyKey> = string extends keyof P ? object : P[K & keyof P];

/**
 * The data argument of an emit on port `K` of the map `P`: optional when an empty object is a
 * valid payload there (an untyped map, or a payload type whose fields are all optional),
 * required otherwise, so that a typed routine cannot emit `{}` where its event promises fields.
 *
 * @example
 * ```ts
 * type A = EmitArgs<{ out: Parsed }, 'out'>; // [data: Parsed]
 * type B = EmitArgs<AnyPorts, 'x'>;          // [data?: object]
 * ```
 */
export type EmitArgs<P, K extends PropertyKey> = {} extends EmitData<P, K> ? [data?: EmitData<P, K>] : [data: EmitData<P, K>];

/**
 * The data argument of `event.emit` for an event of payload type `T` (see {@link EmitArgs}).
 *
 * @example
 * ```ts
 * type A = PayloadArgs<Parsed>;  // [data: Parsed]
 * type B = PayloadArgs<Payload>; // [data?: Payload]
 * ```
 */
export type PayloadArgs<T> = {} extends T ? [data?: T] : [data: T];

/**
 * `string` for an untyped port map (any name goes), `never` for a typed one: the name type of
 * the overloads that only untyped routines may use (an explicit payload type argument, or a
 * payload type inferred from a schema).
 *
 * @example
 * ```ts
 * type A = UntypedName<AnyPorts>;       // string
 * type B = UntypedName<{ in: RawLine }>; // never
 * ```
 */
export type UntypedName<P> = string extends keyof P ? string : never;

/**
 * The port names of a typed port map, `never` for an untyped one: the name type of the
 * overloads that only typed routines use (tried first, so a typed routine's calls resolve at
 * the first overload: what keeps a large typed flow fast to check).
 *
 * @example
 * ```ts
 * type A = TypedName<{ in: RawLine }>; // 'in'
 * type B = TypedName<AnyPorts>;         // never
 * ```
 */
export type TypedName<P> = string extends keyof P ? never : keyof P & string;
