import { WRAPPER_KEY } from '../core/wrapper-key.js';

/** Deeper payloads take the codec's path (which reports a stack overflow properly). */
const MAX_DEPTH = 64;

/**
 * @internal The value codec's JSON of a task view whose merged payload is its payload (the
 * running task of a turn, which the journal writes every turn), made without superjson: exactly
 * `toJSONTree(view)`, or `undefined` for any view not in that one simple case, which then takes
 * the codec's path. The codec sends such a view through superjson only to record that `merged`
 * is `data`; when the rest is plain JSON, superjson's output is the view itself plus that note
 * (a spec compares the two on generated views). The payload is not copied.
 *
 * The case: a plain object whose `data` is an object and `merged` that same object, keyed
 * before it; every value plain JSON (strings, booleans, null, finite numbers other than -0,
 * plain objects and dense arrays of them), no object met twice except that payload, no key the
 * codec treats specially (`__proto__`, `constructor`, `prototype`, the wrapper key).
 *
 * @example
 * ```ts
 * const json = sharedPayloadTaskJSON(view) ?? toJSONTree(view, context);
 * ```
 */
export function sharedPayloadTaskJSON(view: unknown): unknown {
  if (typeof view !== 'object' || view === null || Object.getPrototypeOf(view) !== Object.prototype) return undefined;
  const task = view as Record<string, unknown>;
  const data = task.data;
  if (typeof data !== 'object' || data === null || task.merged !== data) return undefined;
  const keys = Object.keys(task);
  const dataAt = keys.indexOf('data');
  if (dataAt < 0 || keys.indexOf('merged') < dataAt) return undefined;
  const seen = new Set<object>([task]);
  try {
    for (const key of keys) {
      if (key === 'merged') continue;
      if (!plainJSON(task[key], seen, 1) || special(key)) return undefined;
    }
  } catch {
    return undefined; // a getter threw: the codec's path reads it again and names the path
  }
  // A copy of the view's top level: reading the entry back from its object form decodes in
  // place, which sets `merged` on it again (never on the job's frozen view).
  return { [WRAPPER_KEY]: { json: { ...task }, meta: { referentialEqualities: { data: ['merged'] }, v: 1 } } };
}

function special(key: string): boolean {
  return key === '__proto__' || key === 'constructor' || key === 'prototype' || key === WRAPPER_KEY;
}

/** Plain JSON that JSON.stringify writes exactly as superjson's `json` would, each object met once. */
function plainJSON(value: unknown, seen: Set<object>, depth: number): boolean {
  switch (typeof value) {
    case 'string':
    case 'boolean':
      return true;
    case 'number':
      return Number.isFinite(value) && !(value === 0 && 1 / value < 0);
    case 'object':
      break;
    default:
      return false;
  }
  if (value === null) return true;
  if (depth > MAX_DEPTH || seen.has(value)) return false;
  seen.add(value);
  const proto = Object.getPrototypeOf(value);
  if (proto === Array.prototype && Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) if (!(i in value) || !plainJSON(value[i], seen, depth + 1)) return false;
    return true;
  }
  if (proto !== Object.prototype) return false;
  const record = value as Record<string, unknown>;
  for (const key of Object.keys(record)) if (special(key) || !plainJSON(record[key], seen, depth + 1)) return false;
  return true;
}
