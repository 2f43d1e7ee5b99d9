import { SerializationError, quoteValue, describeError } from '../errors/errors.js';
import { setOwn } from './own-property.js';
import { codec, decodingKeys, knownRule, syncPayloadClasses, type NestedCodec } from './superjson-rules.js';
import { inspectValue } from './value-inspect.js';
import { payloadClassTransformer } from './payload-class-registry.js';
import { UnencodableValue } from './unencodable-value.js';
import { isLookalike, WRAPPER_KEY } from './wrapper-key.js';

/**
 * Where an encoding error happened: `what` (e.g. `job 'j1'`) and the path of the value being
 * encoded (e.g. `slotData["enrich.in"]`), which the path inside it extends.
 *
 * @example
 * ```ts
 * const context: EncodeContext = { what: "job 'j1'", path: 'pendingTasks[2]' };
 * ```
 */
export interface EncodeContext {
  readonly what?: string;
  /** The path, or a function making it (called only for an error: most values encode fine). */
  readonly path?: string | (() => string);
}

const pathOf = (context: EncodeContext): string => (typeof context.path === 'function' ? context.path() : (context.path ?? ''));

const HINT = 'only data is saved: JSON values, undefined, NaN, ±Infinity, -0, BigInt, Date, RegExp, URL, Map, Set, typed arrays, and instances of classes registered with registerPayloadClass';

/** `instanceToPlain` of each payload class instance of the encoding in progress (computed by the inspection). */
let plains: Map<object, unknown> | undefined;

/** A payload class instance is saved as its plain form, itself a value of this codec. */
const nested: NestedCodec = {
  encode: (instance) => toJSONTree(plains?.get(instance) ?? payloadClassTransformer().toPlain(instance)),
  decode: (json, where) => fromJSONTree(json, where),
};

/**
 * @internal `value` as JSON data that {@link fromJSONTree} revives exactly. Plain JSON data is
 * returned as it is — not copied, so payloads are never changed, and the JSON reads as before.
 * Only the smallest subtrees plain JSON cannot carry (a Date; a Map; an object met twice, with
 * both places; a cycle) become `{ "$superjson": { json, meta } }`, superjson's own result; the
 * objects above them are shallow copies. One object met twice within `value` comes back as one.
 *
 * @throws {SerializationError} naming the exact path of what cannot be saved (a function, a
 * symbol, an instance of an unregistered class, ...): never a silent drop.
 * @example
 * ```ts
 * toJSONTree({ n: 1, at: new Date(0) }); // { n: 1, at: { $superjson: { json: '1970-01-01T00:00:00.000Z', meta: { values: ['Date'], v: 1 } } } }
 * ```
 */
export function toJSONTree(value: unknown, context: EncodeContext = {}): unknown {
  syncPayloadClasses(nested);
  let inspection: ReturnType<typeof inspectValue>;
  try {
    inspection = inspectValue(value);
  } catch (error) {
    // Reading the value ran its code (a proxy's traps, a getter): whatever that threw means it
    // cannot be saved, and is said so here, never thrown raw.
    const failure =
      error instanceof UnencodableValue
        ? error
        : new UnencodableValue('', error instanceof RangeError ? 'data nested too deeply' : `a value whose reading threw (${describeError(error).message})`);
    throw new SerializationError(`${prefix(context)}${shown(pathOf(context) + failure.path)}: cannot save ${failure.reason}; ${HINT}`, { cause: error });
  }
  if (inspection.wrap.length === 0) return value;
  const previous = plains;
  plains = inspection.plains;
  try {
    return wrapAt(value, inspection.wrap, 0, context);
  } finally {
    plains = previous;
  }
}

/** Copies the containers on the way to each path (never the caller's) and wraps what the paths end at. */
function wrapAt(value: unknown, paths: Array<Array<string | number>>, depth: number, context: EncodeContext): unknown {
  if (paths.some((p) => p.length === depth)) return wrap(value, context);
  const byKey = new Map<string | number, Array<Array<string | number>>>();
  for (const p of paths) {
    const list = byKey.get(p[depth]);
    if (list === undefined) byKey.set(p[depth], [p]);
    else list.push(p);
  }
  if (Array.isArray(value)) {
    const out = value.slice();
    for (const [key, list] of byKey) out[key as number] = wrapAt(value[key as number], list, depth + 1, context);
    return out;
  }
  const record = value as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const key of Object.keys(record)) setOwn(out, key, byKey.has(key) ? wrapAt(record[key], byKey.get(key)!, depth + 1, context) : record[key]);
  return out;
}

function wrap(value: unknown, context: EncodeContext): Record<string, unknown> {
  try {
    const { json, meta } = codec.serialize(value as never);
    return { [WRAPPER_KEY]: meta === undefined ? { json } : { json, meta } };
  } catch (error) {
    throw new SerializationError(`${prefix(context)}${shown(pathOf(context))}: superjson could not encode it: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

const prefix = (context: EncodeContext): string => (context.what === undefined ? '' : `${context.what}: `);

/** The path without its leading dot; a very long one (data nested thousands deep) keeps its ends. */
function shown(path: string): string {
  const p = path.replace(/^\./, '') || '(root)';
  return p.length > 400 ? `${p.slice(0, 200)}…${p.slice(-200)}` : p;
}

/**
 * @internal Revives what {@link toJSONTree} wrote, in place: `json` must be the caller's own
 * (parsed or copied JSON). Returns the revived value (a new one when `json` itself is a wrapper).
 * What is inside a wrapper is superjson's to revive; nothing else is changed.
 *
 * @throws {SerializationError} (message starting with `where`) for a malformed wrapper, meta
 * that does not fit its JSON, or a payload class not registered here.
 * @example
 * ```ts
 * const config = fromJSONTree(raw.config, 'flow JSON: routines[3].config');
 * ```
 */
export function fromJSONTree(json: unknown, where: string): unknown {
  if (typeof json !== 'object' || json === null) return json;
  const sites: Site[] = [];
  try {
    try {
      if (find(json, sites, 0) !== undefined) return unwrap((json as Record<string, unknown>)[WRAPPER_KEY], where);
    } catch (error) {
      if (error !== TOO_DEEP) throw error;
      // Deeper than JSON text is in practice: maybe a cycle (an object form holding one), so again, minding cycles.
      sites.length = 0;
      if (find(json, sites, -Infinity, new Set()) !== undefined) return unwrap((json as Record<string, unknown>)[WRAPPER_KEY], where);
    }
  } catch (error) {
    if (error instanceof RangeError) throw new SerializationError(`${where}: nested too deeply`, { cause: error });
    throw error;
  }
  // Found first, revived after: nothing is changed unless the whole walk went through.
  for (const [container, key] of sites) setOwn(container as Record<string, unknown>, key as string, unwrap((container as Record<string, unknown>)[key]![WRAPPER_KEY as never], where));
  return json;
}

/** A wrapper found: the container holding it and its key there. */
type Site = [container: object, key: string | number];

const TOO_DEEP = new Error('too deep');
const MAX_DEPTH = 500;

/**
 * Finds the wrappers in `value` (returns `value` itself when it is one). Only arrays and plain
 * objects are walked: an object form given to `JobState.fromJSON` may hold live Dates, Maps and
 * cycles, which are values, not wrappers. Without `seen` a walk deeper than MAX_DEPTH gives up.
 */
function find(value: object, sites: Site[], depth: number, seen?: Set<object>): object | undefined {
  if (depth > MAX_DEPTH) throw TOO_DEEP;
  if (seen !== undefined) {
    if (seen.has(value)) return undefined;
    seen.add(value);
  }
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const item: unknown = value[i];
      if (typeof item === 'object' && item !== null && find(item, sites, depth + 1, seen) !== undefined) sites.push([value, i]);
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(value) as unknown;
  if (proto !== Object.prototype && proto !== null) return undefined;
  if (isLookalike(value)) return value;
  const record = value as Record<string, unknown>;
  const keys = Object.keys(record);
  for (let i = 0; i < keys.length; i++) {
    const item = record[keys[i]];
    if (typeof item === 'object' && item !== null && find(item, sites, depth + 1, seen) !== undefined) sites.push([record, keys[i]]);
  }
  return undefined;
}

function unwrap(inner: unknown, where: string): unknown {
  if (typeof inner !== 'object' || inner === null || Array.isArray(inner)) throw new SerializationError(`${where}: ${WRAPPER_KEY}: expected an object { json, meta }`);
  for (const key of Object.keys(inner)) {
    if (key !== 'json' && key !== 'meta') throw new SerializationError(`${where}: ${WRAPPER_KEY}: unknown key ${JSON.stringify(key)} (expected json and meta)`);
  }
  const { json, meta } = inner as { json?: unknown; meta?: unknown };
  if (meta === undefined) return json;
  syncPayloadClasses(nested);
  checkMeta(meta, `${where}: ${WRAPPER_KEY}.meta`);
  try {
    return decodingKeys(() => codec.deserialize({ json: json as never, meta: meta as never }, { inPlace: true }));
  } catch (error) {
    if (error instanceof SerializationError) throw error;
    throw new SerializationError(`${where}: ${WRAPPER_KEY}: cannot decode: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

function checkMeta(meta: unknown, where: string): void {
  if (typeof meta !== 'object' || meta === null || Array.isArray(meta)) throw new SerializationError(`${where}: expected superjson's meta (an object), got ${meta === null ? 'null' : typeof meta}`);
  for (const key of Object.keys(meta)) {
    if (key !== 'values' && key !== 'referentialEqualities' && key !== 'v') throw new SerializationError(`${where}: unknown key ${JSON.stringify(key)}`);
  }
  if ((meta as { v?: unknown }).v !== 1) throw new SerializationError(`${where}.v: expected 1 (superjson 2's path format)`);
  const unknown = customNames((meta as { values?: unknown }).values).find((name) => !knownRule(name));
  if (unknown !== undefined) {
    throw new SerializationError(`${where}: payload class ${quoteValue(unknown)} is not registered; call registerPayloadClass(${quoteValue(unknown)}, ItsClass) before loading`);
  }
}

/** The names in `["custom", name]` annotations (superjson's format for custom rules). */
function customNames(values: unknown, out: string[] = [], depth = 0): string[] {
  if (depth > 1000 || typeof values !== 'object' || values === null) return out;
  if (Array.isArray(values) && values[0] === 'custom' && typeof values[1] === 'string') out.push(values[1]);
  else for (const v of Object.values(values)) customNames(v, out, depth + 1);
  return out;
}
