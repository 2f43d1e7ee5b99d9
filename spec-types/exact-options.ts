/**
 * Type-level tests under `exactOptionalPropertyTypes` and `noPropertyAccessFromIndexSignature`
 * (the strictest options a user may compile with; spec-types/exact.tsconfig.json, run by
 * `npm run typecheck:published` against the published declarations). Review s18a, FINDING 13:
 * there `batch?: undefined` is `batch?: never`, which passed for a batch, so options typed for
 * a slot that does not collect typed its handler `{ items }`.
 */
import { Routine, type NotCollecting, type SlotOptions } from 'routilux';

interface N {
  v: number;
}
declare const configured: SlotOptions<N> & NotCollecting;
declare const batched: SlotOptions<N> & { batch: { size: number } };

export class Exact extends Routine<{ a: N; b: N; c: N; d: N }> {
  constructor() {
    super();
    // Options from config, no batch or window: a Payload.
    this.defineSlot('a', (d) => void d['v'], configured);
    this.defineSlot('b', (d) => {
      // @ts-expect-error not a batch: the handler gets a Payload, not { items: N[] }
      const items: N[] = d.items;
      void items;
    }, configured);
    this.defineSlot('c', ({ items }) => void items, batched);
    // A batch for certain: { items }.
    this.defineSlot('d', ({ items }) => void items.map((n) => n.v.toFixed()), { batch: { size: 2 } });
  }
}
