import { ConfigurationError } from '../errors/errors.js';
import { Routine } from '../model/routine.js';
import type { ExecutionContext } from '../model/execution-context.js';
import type { Payload } from '../core/payload.js';
import { registerMergeStrategy, registerRoutine } from '../serialization/routine-registry.js';
import { checkConfig, positiveInteger, routineLabel } from './config-checks.js';
import { defineInputSlots, inputValue } from './input.js';

/**
 * Config of {@link Aggregator}.
 *
 * @example
 * ```ts
 * const config: AggregatorConfig = { expectedCount: 3 };
 * new Aggregator(config);
 * ```
 */
export type AggregatorConfig = {
  /** How many values make one batch. Positive integer; required (no default). */
  expectedCount?: number;
};

/**
 * The name of the merge strategy the Aggregator's slots use: it appends each incoming value to
 * `items`, in the job's slot data. Registered so flows containing an Aggregator serialize.
 *
 * @example
 * ```ts
 * new Aggregator().getSlot('input')!.mergeStrategy === AGGREGATOR_MERGE; // true
 * ```
 */
export const AGGREGATOR_MERGE = 'Aggregator.collect';

registerMergeStrategy(AGGREGATOR_MERGE, (previous, incoming) => ({
  items: [...(Array.isArray(previous.items) ? (previous.items as unknown[]) : []), inputValue(incoming)],
}));

/**
 * Collects values per job and emits them together once `expectedCount` have arrived:
 * `{ items, count }` on `output`, items in arrival order, then starts over for the next batch.
 * The value is `payload.data` when present, else the payload. The collection lives in the
 * job's slot data (the registered `Aggregator.collect` merge strategy, cleared with
 * `ctx.resetSlot()`), never in the routine, so concurrent jobs never mix and a paused job
 * resumes with what it had collected. `input` and `trigger` collect separately. Receiving a
 * value without `expectedCount` configured fails the activation with a ConfigurationError.
 *
 * @example
 * ```ts
 * const agg = new Aggregator({ expectedCount: 2 });
 * agg.getEvent('output')!.asObservable().subscribe(console.log);
 * agg.getSlot('input')!.receive({ data: 'a' });
 * agg.getSlot('input')!.receive({ data: 'b' }); // { items: ['a', 'b'], count: 2 }
 * ```
 */
export class Aggregator extends Routine {
  constructor(config?: AggregatorConfig) {
    super();
    this.defineEvent('output', ['items', 'count']);
    defineInputSlots(this, (data, ctx) => this.collect(data, ctx), { mergeStrategy: AGGREGATOR_MERGE });
    if (config !== undefined) this.setConfig(config);
  }

  protected override validateConfig(next: Readonly<Record<string, unknown>>): void {
    checkConfig(this, next, { expectedCount: positiveInteger });
  }

  private collect(merged: Payload, ctx: ExecutionContext): void {
    const expected = this.getConfig<number | undefined>('expectedCount');
    if (expected === undefined) {
      throw new ConfigurationError(`${routineLabel(this)}: config 'expectedCount' is not set; call setConfig({ expectedCount: n })`);
    }
    const items = merged.items as readonly unknown[];
    // '>=' rather than '===': should two merges ever land before one handler, the batch is
    // still emitted (with every item) instead of growing forever.
    if (items.length < expected) return;
    ctx.resetSlot();
    this.emit('output', { items: [...items], count: items.length });
  }
}

registerRoutine('Aggregator', Aggregator);
