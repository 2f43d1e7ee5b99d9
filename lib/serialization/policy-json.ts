import { RoutiluxError, SerializationError } from '../errors/errors.js';
import type { JsonReader } from '../core/json-reader.js';
import type { Routine } from '../model/routine.js';
import type { Slot } from '../model/slot.js';
import type { BatchOptions } from '../model/slot-policy.js';
import type { JoinMode } from '../model/join.js';

/**
 * A slot in flow JSON: its merge strategy's name, and its activation policy when it has one
 * (`batch`, `window` or `activation`, as in `SlotOptions`).
 *
 * @example
 * ```ts
 * const slot: SlotJSON = { mergeStrategy: 'override', batch: { size: 100, maxWait: 50 } };
 * ```
 */
export interface SlotJSON {
  mergeStrategy: string;
  batch?: BatchOptions;
  window?: number;
  activation?: string;
}

/**
 * A join in flow JSON (under the routine's `joins`, by name): its slots, in order, and its mode.
 *
 * @example
 * ```ts
 * const join: JoinJSON = { slots: ['left', 'right'], mode: 'zip' };
 * ```
 */
export interface JoinJSON {
  slots: string[];
  mode: JoinMode;
}

/**
 * @internal What a slot's JSON carries besides its merge strategy: its activation policy.
 *
 * @example
 * ```ts
 * slots[slot.name] = { mergeStrategy, ...slotPolicyJSON(slot) };
 * ```
 */
export function slotPolicyJSON(slot: Slot): Omit<SlotJSON, 'mergeStrategy'> {
  const options = slot.activationOptions();
  if (options === undefined) return {};
  return options.batch !== undefined ? { batch: { ...options.batch } } : options;
}

/**
 * @internal A routine's joins for its JSON (`{}` when it has none, so flows without joins read
 * as before).
 *
 * @example
 * ```ts
 * const json = { id, type, config, slots, ...joinsJSON(routine) };
 * ```
 */
export function joinsJSON(routine: Routine): { joins?: Record<string, JoinJSON> } {
  const joins = routine.joinList();
  if (joins.length === 0) return {};
  const out: Record<string, JoinJSON> = {};
  for (const join of joins) out[join.name] = { slots: [...join.slotNames], mode: join.mode };
  return { joins: out };
}

/**
 * @internal Applies a slot JSON's activation policy, when it has one (JSON without one keeps
 * what the routine's constructor defined, as JSON written before policies existed does).
 *
 * @throws {SerializationError} naming the path of a bad option.
 * @example
 * ```ts
 * readSlotPolicy(slot, slotJson, 'routines[0].slots.in');
 * ```
 */
export function readSlotPolicy(slot: Slot, json: Record<string, unknown>, path: string): void {
  if (json.batch === undefined && json.window === undefined && json.activation === undefined) return;
  named(path, () => slot.setActivation({ batch: json.batch as BatchOptions | undefined, window: json.window as number | undefined, activation: json.activation as string | undefined }));
}

/**
 * @internal Applies a routine JSON's joins: each must be a join the routine's class defines,
 * with the same slots; its mode is the JSON's.
 *
 * @throws {SerializationError} naming the path of an unknown join, other slots, or a bad mode.
 * @example
 * ```ts
 * readJoins(r, routine, 'Pairs', o.joins, 'routines[0].joins');
 * ```
 */
export function readJoins(r: JsonReader, routine: Routine, type: string, raw: unknown, path: string): void {
  for (const [name, value] of Object.entries(r.object(path, raw))) {
    const p = `${path}.${name}`;
    const join = routine.getJoin(name);
    if (join === undefined) {
      throw new SerializationError(`flow JSON: ${p}: routine type '${type}' has no join '${name}'; joins: ${routine.joinList().map((j) => j.name).join(', ') || '(none)'}`);
    }
    const o = r.object(p, value);
    const slots = r.array(`${p}.slots`, o.slots).map((s, i) => r.string(`${p}.slots[${i}]`, s));
    if (slots.join('\u0000') !== join.slotNames.join('\u0000')) {
      throw new SerializationError(`flow JSON: ${p}.slots: join '${name}' of routine type '${type}' joins ${JSON.stringify(join.slotNames)}, not ${JSON.stringify(slots)}`);
    }
    if (o.mode !== undefined) named(`${p}.mode`, () => join.setMode(o.mode as JoinMode));
  }
}

function named(path: string, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    if (error instanceof RoutiluxError) throw new SerializationError(`flow JSON: ${path}: ${error.message}`, { cause: error });
    throw error;
  }
}
