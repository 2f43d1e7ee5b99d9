import sift from 'sift';
import { ConfigurationError, describeError } from '../errors/errors.js';
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
 * `$where` is refused because sift evaluates its string as code. Regular expressions (`$regex`
 * or a RegExp value) are refused unless `allowRegex` is set: a pattern with nested quantifiers
 * can block the event loop for seconds on a short input (catastrophic backtracking), and a
 * condition may come from untrusted JSON. With `allowRegex` the routine's config owner vouches
 * for its patterns.
 *
 * @throws {ConfigurationError} naming the condition's place and what is wrong.
 * @example
 * ```ts
 * const test = compileCondition({ value: { $gt: 10 } }, "Filter 'f': config 'when'");
 * test({ value: 11 }); // true
 * compileCondition({ name: { $regex: '^a' } }, 'here', { allowRegex: true });
 * ```
 */
export function compileCondition(when: unknown, where: string, options: { allowRegex?: boolean } = {}): (value: unknown) => boolean {
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
  const where$ = findForbidden(when, [], true);
  if (where$ !== undefined) throw new ConfigurationError(`${where}: '$where' is not allowed (at ${where$.path}); use registerPredicate for code`);
  let test: (value: unknown) => boolean;
  try {
    test = sift(when as Record<string, unknown>) as (value: unknown) => boolean;
  } catch (error) {
    throw new ConfigurationError(`${where}: invalid query: ${describeError(error).message}`, { cause: error });
  }
  // Checked after compiling, so a malformed pattern is reported as such; compiling a pattern
  // is safe, only running it on input can backtrack.
  const regex = options.allowRegex === true ? undefined : findForbidden(when, [], false);
  if (regex !== undefined) {
    throw new ConfigurationError(
      `${where}: a regular expression is not allowed (at ${regex.path}): it could block the event loop; set the routine's config 'allowRegex: true' if its patterns are trusted, or use registerPredicate`,
    );
  }
  return test;
}

/** The path of the first `$where` (or, unless allowed, regular expression) in a query, if any. */
function findForbidden(query: unknown, path: string[], allowRegex: boolean): { path: string; regex: boolean } | undefined {
  if (query instanceof RegExp) return allowRegex ? undefined : { path: path.join('.') || '(root)', regex: true };
  if (Array.isArray(query)) {
    for (let i = 0; i < query.length; i++) {
      const found = findForbidden(query[i], [...path, String(i)], allowRegex);
      if (found !== undefined) return found;
    }
    return undefined;
  }
  if (!isPlainObject(query)) return undefined;
  for (const key of Object.keys(query)) {
    if (key === '$where') return { path: [...path, key].join('.'), regex: false };
    if (key === '$regex' && !allowRegex) return { path: [...path, key].join('.'), regex: true };
    const found = findForbidden(query[key], [...path, key], allowRegex);
    if (found !== undefined) return found;
  }
  return undefined;
}

function describeCondition(when: unknown): string {
  if (typeof when === 'function') return 'a function (register it with registerPredicate and use its name)';
  if (Array.isArray(when)) return 'an array';
  return when === null ? 'null' : typeof when;
}
