import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { compileCondition, type Condition } from './condition.js';
import { boolean, checkConfig, routineLabel } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';

/**
 * Config of {@link Filter}.
 *
 * @example
 * ```ts
 * const config: FilterConfig = { when: { status: { $in: ['open', 'pending'] } } };
 * new Filter(config);
 * ```
 */
export type FilterConfig = {
  /** A query or registered predicate name, as in `ConditionalRouter`. Unset: everything passes. */
  when?: Condition;
  /** Allow regular expressions (`$regex`, RegExp values) in `when`; off by default (see `compileCondition`). */
  allowRegex?: boolean;
};

const always = (): boolean => true;

/**
 * Passes the payloads whose value matches `when` through unchanged on `output`; the others
 * go, unchanged too, to `rejected` (connect it or ignore it). The condition is tested on the
 * value (`payload.data` when present, else the payload), but the whole payload is forwarded.
 * `when` is a Mongo-style query matched with sift or the name of a predicate registered with
 * `registerPredicate`; a bad one is a ConfigurationError at `setConfig`.
 *
 * @example
 * ```ts
 * const f = new Filter({ when: { score: { $gte: 0.5 } } });
 * f.getEvent('output')!.asObservable().subscribe(console.log);
 * f.getSlot('input')!.receive({ score: 0.9 }); // { score: 0.9 }
 * f.getSlot('input')!.receive({ score: 0.1 }); // nothing on output; { score: 0.1 } on rejected
 * ```
 */
export class Filter extends Routine {
  // Derived from config only (rebuilt by configChanged); no job ever writes it.
  private test: (value: unknown) => boolean = always;

  constructor(config?: FilterConfig) {
    super();
    this.defineEvent('output');
    this.defineEvent('rejected');
    defineInputSlots(this, (data) => this.filter(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { allowRegex: boolean });
    if (next.when !== undefined) compileCondition(next.when, `${routineLabel(this)}: config 'when'`, { allowRegex: next.allowRegex === true });
  }

  protected override configChanged(config: Readonly<Record<string, unknown>>): void {
    this.test = config.when === undefined ? always : compileCondition(config.when, `${routineLabel(this)}: config 'when'`, { allowRegex: config.allowRegex === true });
  }

  private filter(payload: Payload): void {
    this.emit(this.test(inputValue(payload)) ? 'output' : 'rejected', payload);
  }
}

registerRoutine('Filter', Filter);
