import sift from 'sift';
import { ConfigurationError } from '../errors/errors.js';
import { NamedRegistry } from './named-registry.js';
import { isPlainObject } from './values.js';

/**
 * A declarative condition: a Mongo-style query object matched with
 * [sift](https://github.com/crcn/sift.js) (`{ priority: 'high' }`, `{ value: { $gt: 10 } }`,
 * `{ $or: [...] }`, dotted paths such as `{ 'user.role': 'admin' }`), or the name of a
 * predicate registered with {@link registerPredicate}. Both are plain data, so they survive
 * `flow.toJSON()`. The empty query `{}` matches everything.
 *
 * @example
 * ```ts
 * const when: Condition = { score: { $gte: 0.8 } };
 * const named: Condition = 'isUrgent';
 * ```
 */
export type Condition = Readonly<Record<string, unknown>> | string;

/**
 * A named test used in conditions by name. Receives the value the routine works on.
 *
 * @example
 * ```ts
 * const isUrgent: Predicate = (value) => (value as { priority?: string }).priority === 'urgent';
 * ```
 */
export type Predicate = (value: unknown) => boolean;

const predicates = new NamedRegistry<Predicate>('predicate', 'registerPredicate');

/**
 * Registers a predicate usable as a {@link Condition} by name (in `ConditionalRouter` routes
 * and `Filter`). Register before configuring routines that use it (and before `Flow.fromJSON`);
 * re-registering a name replaces the function for every routine that uses it.
 *
 * @example
 * ```ts
 * registerPredicate('isWeekend', (v) => [0, 6].includes(new Date((v as { at: number }).at).getDay()));
 * filter.setConfig({ when: 'isWeekend' });
 * ```
 */
export function registerPredicate(name: string, fn: Predicate): void {
  predicates.register(name, fn);
}

/**
 * Turns a condition into a test. Every problem is found now (unknown predicate, unknown or
 * malformed operator, `$where`), so bad config fails at `setConfig` instead of at run time.
 * `$where` is refused because sift evaluates its string as code.
 *
 * @example
 * ```ts
 * const test = compileCondition({ value: { $gt: 10 } }, "Filter 'f': config 'when'");
 * test({ value: 11 }); // true
 * ```
 */
export function compileCondition(when: unknown, where: string): (value: unknown) => boolean {
  if (typeof when === 'string') {
    predicates.require(when, where);
    // Looked up per call, so re-registering a predicate takes effect without reconfiguring.
    return (value) => Boolean(predicates.get(when)!(value));
  }
  if (!isPlainObject(when)) {
    throw new ConfigurationError(
      `${where} must be a query object (e.g. { priority: 'high' }) or the name of a registered predicate, got ${describeCondition(when)}`,
    );
  }
  const forbidden = findWhere(when, []);
  if (forbidden !== undefined) {
    throw new ConfigurationError(`${where}: '$where' is not allowed (at ${forbidden}); use registerPredicate for code`);
  }
  try {
    return sift(when as Record<string, unknown>) as (value: unknown) => boolean;
  } catch (error) {
    throw new ConfigurationError(`${where}: invalid query: ${error instanceof Error ? error.message : String(error)}`, { cause: error });
  }
}

/** The path of the first `$where` key in a query, if any. */
function findWhere(query: unknown, path: string[]): string | undefined {
  if (Array.isArray(query)) {
    for (let i = 0; i < query.length; i++) {
      const found = findWhere(query[i], [...path, String(i)]);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(query)) return undefined;
  for (const key of Object.keys(query)) {
    if (key === '$where') return [...path, key].join('.');
    const found = findWhere(query[key], [...path, key]);
    if (found !== undefined) return found;
  }
  return undefined;
}

function describeCondition(when: unknown): string {
  if (typeof when === 'function') return 'a function (register it with registerPredicate and use its name)';
  if (Array.isArray(when)) return 'an array';
  return when === null ? 'null' : typeof when;
}
