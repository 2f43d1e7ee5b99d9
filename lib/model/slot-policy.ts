import { ConfigurationError, describeValue, quoteValue } from '../errors/errors.js';
import { activationPolicies, type ActivationPolicyFunction } from './activation-policy.js';
import { BatchCell } from './batch-cell.js';
import { CustomCell } from './custom-cell.js';
import type { PolicyCell } from './policy-cell.js';
import type { Routine } from './routine.js';

/**
 * `SlotOptions.batch`: the handler receives `{ items }` — up to `size` payloads in arrival
 * order — when `size` have arrived, `maxWait` ms (flow scheduler time) after the first item of
 * the batch, or when the job runs out of work, whichever comes first. Neither set: one batch
 * per idle point of the job (everything that arrived).
 *
 * @example
 * ```ts
 * routine.defineSlot('in', ({ items }) => save(items), { batch: { size: 100, maxWait: 50 } });
 * ```
 */
export interface BatchOptions {
  /** Integer >= 1. */
  readonly size?: number;
  /** ms > 0 on the flow's scheduler, from the first item of a batch. */
  readonly maxWait?: number;
}

/**
 * A slot's activation policy, as options (what `SlotOptions` and flow JSON carry): exactly one
 * of `batch`, `window` (ms) or `activation` (a registered policy's name).
 *
 * @example
 * ```ts
 * slot.setActivation({ window: 1000 } satisfies SlotActivationOptions);
 * ```
 */
export interface SlotActivationOptions {
  batch?: BatchOptions;
  window?: number;
  activation?: string;
}

/** What a slot's policy needs of the slot: its routine and name (the slot, without a cycle). */
interface SlotRef {
  readonly routine: Routine;
  readonly name: string;
  readonly key: string;
}

/**
 * @internal A slot's batch, window or custom policy: checked once from its options; each job
 * keeps a cell of it.
 *
 * @example
 * ```ts
 * const policy = compileSlotPolicy(slot, { batch: { size: 10 } });
 * ```
 */
export class SlotPolicy {
  constructor(
    readonly slot: SlotRef,
    readonly kind: 'batch' | 'window' | 'custom',
    /** batch: size; window: undefined. */
    readonly size: number | undefined,
    /** batch: maxWait; window: the window's length; both in ms. */
    readonly wait: number | undefined,
    readonly policyName: string,
    readonly fn: ActivationPolicyFunction,
  ) {}

  get routine(): Routine {
    return this.slot.routine;
  }
  get name(): string {
    return this.slot.name;
  }
  get key(): string {
    return this.slot.key;
  }
  get where(): string {
    return `routine '${this.slot.routine.id}' slot '${this.slot.name}'`;
  }

  newCell(): PolicyCell {
    return this.kind === 'custom' ? new CustomCell(this as SlotPolicy & { kind: 'custom' }) : new BatchCell(this as SlotPolicy & { kind: 'batch' | 'window' });
  }

  /** The options this policy was made from (what flow JSON writes). */
  options(): SlotActivationOptions {
    if (this.kind === 'window') return { window: this.wait! };
    if (this.kind === 'custom') return { activation: this.policyName };
    const batch: { size?: number; maxWait?: number } = {};
    if (this.size !== undefined) batch.size = this.size;
    if (this.wait !== undefined) batch.maxWait = this.wait;
    return { batch };
  }
}

const noPolicy: ActivationPolicyFunction = (state) => ({ state });

/**
 * @internal Checks a slot's activation options and compiles them; `undefined` when none is set.
 *
 * @throws {ConfigurationError} naming the routine, slot and option: more than one policy, a
 * batch size that is not an integer >= 1, a `maxWait` or `window` that is not a positive finite
 * number, an unknown batch option, an activation policy name that is not registered.
 * @example
 * ```ts
 * compileSlotPolicy(slot, { window: 1000 }); // a window policy
 * ```
 */
export function compileSlotPolicy(slot: SlotRef, options: SlotActivationOptions): SlotPolicy | undefined {
  const where = `routine '${slot.routine.id}' slot '${slot.name}'`;
  const given = (['batch', 'window', 'activation'] as const).filter((k) => options[k] !== undefined);
  if (given.length === 0) return undefined;
  if (given.length > 1) throw new ConfigurationError(`${where}: options ${given.map((k) => `'${k}'`).join(' and ')} exclude each other; give one activation policy`);
  if (options.window !== undefined) return new SlotPolicy(slot, 'window', undefined, positive(where, 'window', options.window), 'window', noPolicy);
  if (options.activation !== undefined) {
    const name = options.activation;
    if (typeof name !== 'string') throw new ConfigurationError(`${where}: option 'activation' must be the name of a registered activation policy, got ${describeValue(name)}`);
    const fn = activationPolicies.get(name);
    if (fn === undefined) {
      const known = [...activationPolicies.keys()].join(', ') || '(none)';
      throw new ConfigurationError(`${where}: option 'activation': unknown activation policy '${name}'; register it with registerActivationPolicy (registered: ${known})`);
    }
    return new SlotPolicy(slot, 'custom', undefined, undefined, name, fn);
  }
  const batch = options.batch as unknown;
  if (typeof batch !== 'object' || batch === null || Array.isArray(batch)) {
    throw new ConfigurationError(`${where}: option 'batch' must be an object { size?, maxWait? }, got ${describeValue(batch)}`);
  }
  for (const key of Object.keys(batch)) {
    if (key !== 'size' && key !== 'maxWait') throw new ConfigurationError(`${where}: option 'batch' has no '${key}'; expected { size?, maxWait? }`);
  }
  const { size, maxWait } = batch as BatchOptions;
  if (size !== undefined && !(typeof size === 'number' && Number.isInteger(size) && size >= 1)) {
    throw new ConfigurationError(`${where}: option 'batch.size' must be an integer >= 1, got ${quoteValue(size)}`);
  }
  const wait = maxWait === undefined ? undefined : positive(where, 'batch.maxWait', maxWait);
  return new SlotPolicy(slot, 'batch', size, wait, 'batch', noPolicy);
}

function positive(where: string, option: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw new ConfigurationError(`${where}: option '${option}' must be a positive number of ms, got ${quoteValue(value)}`);
  }
  return value;
}
