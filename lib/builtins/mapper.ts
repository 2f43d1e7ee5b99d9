import { ConfigurationError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { checkConfig, checkNames, configValue, nonEmptyString, routineLabel, stringArray } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { NamedRegistry } from './named-registry.js';
import { isPlainObject } from './values.js';
import { setOwn } from '../core/own-property.js';

/**
 * A named mapping used by {@link Mapper}: value in, new value out (never mutate the argument).
 *
 * @example
 * ```ts
 * const fullName: MapperFunction = (v) => { const p = v as { first: string; last: string }; return { name: `${p.first} ${p.last}` }; };
 * ```
 */
export type MapperFunction = (value: unknown) => unknown;

const mappers = new NamedRegistry<MapperFunction>('mapper', 'registerMapper');

/**
 * Registers a mapping usable as a {@link Mapper}'s `transform`. Config stores only the name, so
 * register it before configuring the routine or rebuilding a flow with `Flow.fromJSON`.
 *
 * @example
 * ```ts
 * registerMapper('toCelsius', (v) => ({ celsius: (((v as { f: number }).f - 32) * 5) / 9 }));
 * new Mapper({ transform: 'toCelsius' });
 * ```
 */
export function registerMapper(name: string, fn: MapperFunction): void {
  mappers.register(name, fn);
}

/**
 * Config of {@link Mapper}: `transform` or `pick`, not both.
 *
 * @example
 * ```ts
 * const config: MapperConfig = { pick: ['id', 'name'] };
 * new Mapper(config);
 * ```
 */
export type MapperConfig = {
  /** Name of a function registered with {@link registerMapper}. */
  transform?: string;
  /** Fields kept (those present), in this order. */
  pick?: string[];
};

/**
 * Maps each value (`payload.data` when present, else the payload) and emits the result on
 * `output`: with `transform`, the registered function's result; with `pick`, a new object
 * with only the listed fields the value has (a non-object value gives `{}`); with neither,
 * the value itself. A result that is a plain object is emitted as the payload; anything else
 * is wrapped as `{ value: result }` (the convention of `Routine.fromOperator`). Setting both,
 * or an unknown `transform`, is a ConfigurationError at `setConfig`.
 *
 * @example
 * ```ts
 * const m = new Mapper({ pick: ['id'] });
 * m.getEvent('output')!.asObservable().subscribe(console.log);
 * m.getSlot('input')!.receive({ id: 1, secret: 'x' }); // { id: 1 }
 * ```
 */
export class Mapper extends Routine {
  constructor(config?: MapperConfig) {
    super();
    this.defineEvent('output');
    defineInputSlots(this, (data) => this.map(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { transform: nonEmptyString, pick: stringArray });
    if (next.transform !== undefined && next.pick !== undefined) {
      throw new ConfigurationError(`${routineLabel(this)}: set either config 'transform' or 'pick', not both (clear one with undefined)`);
    }
    if (typeof next.transform === 'string') checkNames(this, 'transform', [next.transform], mappers);
  }

  private map(payload: Payload): void {
    const value = inputValue(payload);
    const transform = configValue<string | undefined>(this, 'transform', undefined);
    const pick = configValue<string[] | undefined>(this, 'pick', undefined);
    let result: unknown = value;
    if (transform !== undefined) result = mappers.require(transform, routineLabel(this))(value);
    else if (pick !== undefined) result = picked(value, pick);
    this.emit('output', isPlainObject(result) ? result : { value: result });
  }
}

function picked(value: unknown, fields: readonly string[]): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  if (!isPlainObject(value)) return out;
  for (const field of fields) if (Object.prototype.hasOwnProperty.call(value, field)) setOwn(out, field, value[field]);
  return out;
}

registerRoutine('Mapper', Mapper);
