import { RoutiluxError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { checkConfig, configValue, describeValue, nonEmptyString, routineLabel } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { isPlainObject } from './values.js';

/**
 * Config of {@link Splitter}.
 *
 * @example
 * ```ts
 * const config: SplitterConfig = { field: 'rows' };
 * new Splitter(config);
 * ```
 */
export type SplitterConfig = {
  /** The field holding the array when the value is an object. Default `'items'`. */
  field?: string;
};

/**
 * Emits one `{ item, index, total }` on `output` per element of an array, in order. The array
 * is the value itself when it is one (the value is `payload.data` when present, else the
 * payload), else the value's `field` (default `'items'`). An empty array emits nothing.
 * Anything else fails the activation with a RoutiluxError naming what was received.
 *
 * @example
 * ```ts
 * const s = new Splitter();
 * s.getEvent('output')!.asObservable().subscribe(console.log);
 * s.getSlot('input')!.receive({ items: ['a', 'b'] });
 * // { item: 'a', index: 0, total: 2 } then { item: 'b', index: 1, total: 2 }
 * ```
 */
export class Splitter extends Routine {
  constructor(config?: SplitterConfig) {
    super();
    this.defineEvent('output', ['item', 'index', 'total']);
    defineInputSlots(this, (data) => this.split(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { field: nonEmptyString });
  }

  private split(payload: Payload): void {
    const value = inputValue(payload);
    const field = configValue(this, 'field', 'items');
    const items = Array.isArray(value) ? value : isPlainObject(value) ? value[field] : undefined;
    if (!Array.isArray(items)) {
      const got = isPlainObject(value) ? `field '${field}' is ${describeValue(value[field])}` : `got ${describeValue(value)}`;
      throw new RoutiluxError(`${routineLabel(this)}: expected an array, or an object whose '${field}' is an array; ${got}`);
    }
    const total = items.length;
    items.forEach((item: unknown, index) => this.emit('output', { item, index, total }));
  }
}

registerRoutine('Splitter', Splitter);
