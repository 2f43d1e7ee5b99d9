import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { boolean, checkConfig, configValue, positiveInteger, string } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { CIRCULAR, isPlainObject, typeName } from './values.js';
import { setOwn } from '../core/own-property.js';

/**
 * Config of {@link DataFlattener}.
 *
 * @example
 * ```ts
 * const config: DataFlattenerConfig = { separator: '/', preserveLists: false, maxDepth: 3 };
 * new DataFlattener(config);
 * ```
 */
export type DataFlattenerConfig = {
  /** Joins path segments. Default `'.'`. */
  separator?: string;
  /** true: arrays are flattened with their indices as segments (`a.c.0`); false: arrays are kept whole as values. Default true. */
  preserveLists?: boolean;
  /** Most segments in a key; a container at that depth is kept whole as the value. Positive integer; default 100. */
  maxDepth?: number;
};

/**
 * What {@link flatten} returns.
 *
 * @example
 * ```ts
 * const r: Flattened = { flattened: { 'a.b': 1 }, depth: 2 };
 * ```
 */
export type Flattened = { flattened: Record<string, unknown>; depth: number };

/**
 * Flattens nested plain objects (and arrays, with `preserveLists`) into one object whose keys
 * are paths, as {@link DataFlattener} does.
 *
 * @example
 * ```ts
 * flatten({ a: { b: 1, c: [2, { d: 3 }] } }, { separator: '.', preserveLists: true, maxDepth: 100 });
 * // { flattened: { 'a.b': 1, 'a.c.0': 2, 'a.c.1.d': 3 }, depth: 4 }
 * ```
 */
export function flatten(value: unknown, options: { separator: string; preserveLists: boolean; maxDepth: number }): Flattened {
  const descend = (v: unknown): v is object => isPlainObject(v) || (options.preserveLists && Array.isArray(v));
  if (!descend(value)) return { flattened: { value }, depth: 0 };
  const flattened: Record<string, unknown> = {};
  let depth = 0;
  const walk = (node: object, path: string[], ancestors: unknown[]): void => {
    const entries: Array<[string, unknown]> = Array.isArray(node) ? node.map((v, i) => [String(i), v]) : Object.entries(node);
    if (entries.length === 0 && path.length > 0) {
      // Keep empty containers so that no key of the input disappears.
      setOwn(flattened, path.join(options.separator), Array.isArray(node) ? [] : {});
      return;
    }
    for (const [key, child] of entries) {
      const childPath = [...path, key];
      depth = Math.max(depth, childPath.length);
      const name = childPath.join(options.separator);
      if (descend(child) && ancestors.includes(child)) setOwn(flattened, name, CIRCULAR);
      else if (descend(child) && childPath.length < options.maxDepth) walk(child, childPath, [...ancestors, child]);
      else setOwn(flattened, name, child);
    }
  };
  walk(value, [], [value]);
  return { flattened, depth };
}

/**
 * Flattens nested data into one level of path keys:
 * `{ a: { b: 1, c: [2, { d: 3 }] } }` → `{ 'a.b': 1, 'a.c.0': 2, 'a.c.1.d': 3 }`.
 *
 * Plain objects are always descended. With `preserveLists` (default) arrays are too, their
 * indices becoming path segments; with `preserveLists: false` an array is a value, kept whole
 * under its path (`{ 'a.c': [2, { d: 3 }] }`). Empty objects and arrays are kept as values. A
 * container at `maxDepth` segments is kept whole. A value that contains itself is written
 * `'[Circular]'` where it repeats. A value that is not descended at all (a string, a number,
 * or an array without `preserveLists`) comes out as `{ value }`. The value is `payload.data`
 * when present, else the payload. Emits `output`: `{ flattened, originalType, depth }`, where
 * `depth` is the most segments in a key (0 when nothing was descended).
 *
 * @example
 * ```ts
 * const f = new DataFlattener();
 * f.getEvent('output')!.asObservable().subscribe((o) => console.log(o.flattened));
 * f.getSlot('input')!.receive({ data: { user: { name: 'Ada', langs: ['en', 'fr'] } } });
 * // { 'user.name': 'Ada', 'user.langs.0': 'en', 'user.langs.1': 'fr' }
 * ```
 */
export class DataFlattener extends Routine {
  constructor(config?: DataFlattenerConfig) {
    super();
    this.defineEvent('output', ['flattened', 'originalType', 'depth']);
    defineInputSlots(this, (data) => this.run(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { separator: string, preserveLists: boolean, maxDepth: positiveInteger });
  }

  private run(payload: Payload): void {
    const value = inputValue(payload);
    const { flattened, depth } = flatten(value, {
      separator: configValue(this, 'separator', '.'),
      preserveLists: configValue(this, 'preserveLists', true),
      maxDepth: configValue(this, 'maxDepth', 100),
    });
    this.emit('output', { flattened, originalType: typeName(value), depth });
  }
}

registerRoutine('DataFlattener', DataFlattener);
