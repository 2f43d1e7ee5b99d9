import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { setOwn } from '../core/own-property.js';

/**
 * A custom merge: returns the slot's new data from its previous data (`{}` on the first
 * activation of the slot in a job) and the incoming payload. `I` is what the function takes as
 * incoming: a Payload, or in an untyped routine's `defineSlot` the type its parameter is
 * annotated with (a claim about what is sent, as a handler's annotation is one about what it gets).
 *
 * @example
 * ```ts
 * const sum: MergeFunction = (prev, inc) => ({ total: ((prev.total as number) ?? 0) + (inc.value as number) });
 * const add: MergeFunction<{ value: number }> = (prev, inc) => ({ total: Number(prev.total ?? 0) + inc.value });
 * ```
 */
export type MergeFunction<I extends object = Payload> = (previous: Payload, incoming: I) => Payload;

/**
 * How a slot combines an incoming payload with what it holds for the job:
 * `'override'`, `'append'`, a function, or the name of a registered function. `I` is a
 * function's incoming (see {@link MergeFunction}).
 *
 * @example
 * ```ts
 * routine.defineSlot('items', handler, { mergeStrategy: 'append' });
 * ```
 */
export type MergeStrategy<I extends object = Payload> = 'override' | 'append' | MergeFunction<I> | (string & {});

/**
 * The merge strategies of a slot of a typed routine whose slot type is `T`: a function is given
 * what the slot is sent as its `incoming` (unannotated, it is typed `T & Payload`; annotated, the
 * annotation must take `T`), and may return any object type. Every {@link MergeStrategy} is one.
 *
 * @example
 * ```ts
 * const total: TypedMergeStrategy<{ amount: number }> = (prev, inc) => ({ total: Number(prev.total ?? 0) + inc.amount });
 * ```
 */
// The result: any object type but a promise or an iterable (an array, a Map), which the merge
// refuses at run time (it must return a plain object, synchronously).
export type TypedMergeStrategy<T> = 'override' | 'append' | ((previous: Payload, incoming: T & Payload) => object & { then?: undefined; [Symbol.iterator]?: undefined }) | (string & {});

/**
 * Registered custom merges by name (filled by `registerMergeStrategy`).
 * @internal
 */
export const mergeStrategies = new Map<string, MergeFunction>();

/**
 * Where a slot's merged data lives for one job (or for `Slot.receive`): the data handlers
 * saw last, plus private state a merge may keep next to it (append keeps its growing arrays
 * there, never handed out).
 * @internal
 */
export interface MergeCell {
  data: Payload | undefined;
  scratch: unknown;
}

/**
 * A compiled merge: `previous` is `undefined` on the first activation of the slot in a job.
 * @internal
 */
export type CompiledMerge = (previous: Payload | undefined, incoming: Payload, cell: MergeCell) => Payload;

const override: CompiledMerge = (_previous, incoming) => incoming;

/**
 * Append's private state: the keys of the data it produced last, in that data's order, each
 * with its growing array (same index). Arrays, not a Map: a payload has a handful of keys, and
 * an index scan of them is cheaper than a hash lookup plus a `for…in` of the previous data.
 */
interface AppendScratch {
  keys: string[];
  arrays: unknown[][];
  producedFor: Payload | undefined;
}

/**
 * Append: every incoming key's value is appended to the array kept for that key. Handlers get
 * fresh frozen arrays (never a live shared list), so a handler can keep what it received and
 * concurrent activations never see each other's later data. The growing arrays are private
 * to the cell: copying an unfrozen array is V8's fast path, copying a frozen one is not (15x).
 * Keys that did not change keep the arrays handed out before.
 */
const append: CompiledMerge = (previous, incoming, cell) => {
  let scratch = cell.scratch as AppendScratch | undefined;
  if (scratch === undefined || scratch.producedFor !== previous) {
    // First use, or the data was restored, reset or produced by another strategy: rebuild.
    scratch = { keys: [], arrays: [], producedFor: undefined };
    if (previous !== undefined) {
      for (const key in previous) {
        const value = previous[key];
        scratch.keys.push(key);
        scratch.arrays.push(Array.isArray(value) ? value.slice() : [value]);
      }
    }
    cell.scratch = scratch;
  }
  const { keys, arrays } = scratch;
  const out: Payload = {};
  // The previous data's keys first, in its order (they are exactly `keys`: it was produced
  // from them, or they were read from it just above); incoming ones replace values in place.
  for (let i = 0; i < keys.length; i++) setOwn(out, keys[i], previous![keys[i]]);
  for (const key in incoming) {
    let i = keys.indexOf(key);
    if (i < 0) {
      i = keys.length;
      keys.push(key);
      arrays.push([]);
    }
    const array = arrays[i];
    array.push(incoming[key]);
    setOwn(out, key, Object.freeze(array.slice()));
  }
  Object.freeze(out);
  scratch.producedFor = out;
  return out;
};

/**
 * @internal Turns a strategy into the function the scheduler calls. Names are resolved now, so an
 * unknown name fails where the slot is defined instead of at the first activation.
 *
 * @example
 * ```ts
 * compileMerge('append', "routine 'agg' slot 'in'")(undefined, { x: 1 }); // { x: [1] }
 * ```
 */
export function compileMerge(strategy: MergeStrategy, where: string): CompiledMerge {
  if (strategy === 'override') return override;
  if (strategy === 'append') return append;
  if (typeof strategy === 'function') return (previous, incoming) => mergedPayload(strategy(previous ?? {}, incoming), where);
  if (typeof strategy === 'string') {
    const fn = mergeStrategies.get(strategy);
    if (!fn) {
      throw new ConfigurationError(
        `${where}: unknown merge strategy '${strategy}'; expected 'override', 'append', a function, or a name registered with registerMergeStrategy`,
      );
    }
    return (previous, incoming) => mergedPayload(fn(previous ?? {}, incoming), where);
  }
  throw new ConfigurationError(`${where}: invalid merge strategy ${describeValue(strategy)}; expected 'override', 'append', a function or a registered name`);
}

/**
 * What a custom strategy returned, when it is a payload (an object, not an array, not a
 * promise): anything else would reach the handler as its data. The activation fails with the
 * ConfigurationError instead (its error policy decides), and a returned promise's rejection is
 * taken here, not left unhandled.
 */
function mergedPayload(value: unknown, where: string): Payload {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new ConfigurationError(`${where}: a merge strategy must return a plain object, got ${describeValue(value)}`);
  }
  const then = (value as { then?: unknown }).then;
  if (typeof then === 'function') {
    Promise.resolve(value as PromiseLike<unknown>).then(undefined, () => undefined); // (its rejection is this error's business now)
    throw new ConfigurationError(`${where}: a merge strategy must return a plain object synchronously, got a promise`);
  }
  return value as Payload;
}

/**
 * The name a strategy serializes under, or `undefined` for an inline function that was
 * never registered.
 *
 * @example
 * ```ts
 * registerMergeStrategy('sum', sum); mergeStrategyName(sum); // 'sum'
 * ```
 */
export function mergeStrategyName(strategy: MergeStrategy): string | undefined {
  if (typeof strategy === 'string') return strategy;
  for (const [name, fn] of mergeStrategies) if (fn === strategy) return name;
  return undefined;
}
