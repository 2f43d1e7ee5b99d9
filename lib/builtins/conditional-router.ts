import { ConfigurationError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { compileCondition, type Condition } from './condition.js';
import { boolean, checkConfig, configValue, nonEmptyString, oneOf, routineLabel } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { isUnsafeKey } from '../core/own-property.js';
import { isPlainObject } from './values.js';

/**
 * One route of a {@link ConditionalRouter}: its name is also the name of the event it emits on.
 *
 * @example
 * ```ts
 * const route: Route = { name: 'urgent', when: { priority: 'high' } };
 * ```
 */
export type Route = { name: string; when: Condition };

/**
 * Config of {@link ConditionalRouter}.
 *
 * @example
 * ```ts
 * const config: ConditionalRouterConfig = {
 *   routes: [{ name: 'big', when: { value: { $gt: 10 } } }, { name: 'small', when: { value: { $lte: 10 } } }],
 *   defaultRoute: 'other',
 *   mode: 'first_match',
 * };
 * ```
 */
export type ConditionalRouterConfig = {
  /** Tried in order. Default `[]`. */
  routes?: Route[];
  /** Event (and route name) for values no route matched; unset: `output` with `route: 'unmatched'`. */
  defaultRoute?: string;
  /** `'first_match'` (default): the first matching route only; `'all'`: every matching route, in order. */
  mode?: 'first_match' | 'all';
  /** Allow regular expressions (`$regex`, RegExp values) in routes; off by default (see `compileCondition`). */
  allowRegex?: boolean;
};

type CompiledRoute = { readonly name: string; readonly test: (value: unknown) => boolean };

/**
 * Sends each value to the routes whose condition it matches. A route's `when` is a Mongo-style
 * query (`{ priority: 'high' }`, `{ value: { $gt: 10 } }`) matched with sift, or the name of a
 * predicate registered with `registerPredicate`; nothing is ever `eval`ed. The value is
 * `payload.data` when present, else the payload, and each route emits `{ data: value, route }`
 * on the event named after the route. Events are defined when routes are configured (an event
 * that already exists stays, so connections never dangle); a value no route matched goes to
 * `defaultRoute` when set, else to `output` with `route: 'unmatched'`. Malformed routes,
 * duplicate names, unknown query operators, `$where` and unknown predicates are a
 * ConfigurationError at `setConfig`.
 *
 * @example
 * ```ts
 * const router = new ConditionalRouter({ routes: [{ name: 'urgent', when: { priority: 'high' } }] });
 * router.getEvent('urgent')!.asObservable().subscribe((o) => console.log(o.route, o.data));
 * router.getSlot('input')!.receive({ priority: 'high', id: 7 }); // 'urgent' { priority: 'high', id: 7 }
 * ```
 */
export class ConditionalRouter extends Routine {
  // Derived from config only (rebuilt by configChanged); no job ever writes it.
  private compiled: readonly CompiledRoute[] = [];

  constructor(config?: ConditionalRouterConfig) {
    super();
    this.defineEvent('output', ['data', 'route']);
    defineInputSlots(this, (data) => this.route(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { defaultRoute: nonEmptyString, mode: oneOf('first_match', 'all'), allowRegex: boolean });
    this.compileRoutes(next.routes, next.allowRegex === true);
  }

  protected override configChanged(config: Readonly<Record<string, unknown>>): void {
    this.compiled = this.compileRoutes(config.routes, config.allowRegex === true);
    const names = this.compiled.map((r) => r.name);
    if (typeof config.defaultRoute === 'string') names.push(config.defaultRoute);
    for (const name of names) if (this.getEvent(name) === undefined) this.defineEvent(name, ['data', 'route']);
  }

  private compileRoutes(routes: unknown, allowRegex: boolean): CompiledRoute[] {
    if (routes === undefined) return [];
    const label = routineLabel(this);
    if (!Array.isArray(routes)) {
      throw new ConfigurationError(`${label}: config 'routes' must be an array of { name, when }, got ${typeof routes}`);
    }
    const seen = new Set<string>();
    return routes.map((route: unknown, i) => {
      const where = (path = ''): string => `${label}: config 'routes[${i}]${path}'`;
      if (!isPlainObject(route) || typeof route.name !== 'string' || route.name.length === 0) {
        throw new ConfigurationError(`${where()} must be { name: non-empty string, when: query or predicate name }`);
      }
      if (seen.has(route.name)) throw new ConfigurationError(`${where('.name')}: duplicate route name '${route.name}'`);
      if (isUnsafeKey(route.name)) throw new ConfigurationError(`${where('.name')}: '${route.name}' cannot be a route (event) name`);
      seen.add(route.name);
      if (route.when === undefined) throw new ConfigurationError(`${where('.when')} is missing`);
      return { name: route.name, test: compileCondition(route.when, where('.when'), { allowRegex }) };
    });
  }

  private route(payload: Payload): void {
    const data = inputValue(payload);
    const all = configValue<string>(this, 'mode', 'first_match') === 'all';
    let matched = false;
    for (const route of this.compiled) {
      if (!route.test(data)) continue;
      matched = true;
      this.emit(route.name, { data, route: route.name });
      if (!all) return;
    }
    if (matched) return;
    const fallback = configValue<string | undefined>(this, 'defaultRoute', undefined);
    if (fallback !== undefined) this.emit(fallback, { data, route: fallback });
    else this.emit('output', { data, route: 'unmatched' });
  }
}

registerRoutine('ConditionalRouter', ConditionalRouter);
