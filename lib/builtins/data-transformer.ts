import { describeError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { Payload } from '../core/payload.js';
import { registerRoutine } from '../serialization/routine-registry.js';
import { checkConfig, checkNames, configValue, stringArray } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';
import { transformations } from './transformations.js';

/**
 * Config of {@link DataTransformer}.
 *
 * @example
 * ```ts
 * const config: DataTransformerConfig = { transformations: ['stripWhitespace', 'lowercase'] };
 * new DataTransformer(config);
 * ```
 */
export type DataTransformerConfig = {
  /** Names of built-in or registered transformations, applied in order. Default `[]`. */
  transformations?: string[];
};

/**
 * One failed step, as listed in `errors`.
 *
 * @example
 * ```ts
 * const e: TransformationError = { transformation: 'toInt', message: "cannot convert string 'abc' to an integer" };
 * ```
 */
export type TransformationError = { transformation: string; message: string };

/**
 * Applies named transformations in order to the value (`payload.data` when present, else the
 * payload). Built-ins: `lowercase`, `uppercase`, `stripWhitespace`, `toString`, `toInt`,
 * `toFloat`, `removeNone` (see `BUILTIN_TRANSFORMATIONS`); more with
 * {@link registerTransformation}. Config holds names only, so flows serialize; an unknown name
 * is a ConfigurationError at `setConfig`. A step that throws is skipped (the value stays as it
 * was before it) and listed in `errors`; later steps still run. Emits `output`:
 * `{ transformedData, transformationsApplied, errors }` (`errors` is `[]` when all went well).
 *
 * @example
 * ```ts
 * const t = new DataTransformer({ transformations: ['stripWhitespace', 'uppercase'] });
 * t.getEvent('output')!.asObservable().subscribe((o) => console.log(o.transformedData));
 * t.getSlot('input')!.receive({ data: '  hello ' }); // 'HELLO'
 * ```
 */
export class DataTransformer extends Routine {
  constructor(config?: DataTransformerConfig) {
    super();
    this.defineEvent('output', ['transformedData', 'transformationsApplied', 'errors']);
    defineInputSlots(this, (data) => this.run(data));
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { transformations: stringArray });
    checkNames(this, 'transformations', (next.transformations as string[] | undefined) ?? [], transformations);
  }

  private run(payload: Payload): void {
    let transformedData = inputValue(payload);
    const transformationsApplied: string[] = [];
    const errors: TransformationError[] = [];
    for (const name of configValue<string[]>(this, 'transformations', [])) {
      try {
        transformedData = transformations.require(name, `DataTransformer '${this.id}'`)(transformedData);
        transformationsApplied.push(name);
      } catch (error) {
        errors.push({ transformation: name, message: describeError(error).message });
      }
    }
    this.emit('output', { transformedData, transformationsApplied, errors });
  }
}

registerRoutine('DataTransformer', DataTransformer);
