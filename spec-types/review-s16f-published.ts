/**
 * Review s16f, FINDING 1: typed connections are checked against lib/ but not against the
 * published declarations. `Slot<T>` uses `T` contravariantly only in its `@internal` `_handler`
 * property; the build strips `@internal` members (rollup.config.mjs, `stripInternal`), which
 * leaves `receive(data: T)`, a method, so `Slot<T>` is BIVARIANT in the published types. Then
 * `Slot<KV>` fits `Slot<K>`, and `flow.connect(event, slot)` compiles whenever the event's payload
 * is a SUPERtype of the slot's (a field missing, optional or nullable), for every app on the package.
 *
 * This file imports `routilux`, so it runs twice:
 * - `npx tsc -p spec-types/tsconfig.json` (in `npm run typecheck`): `routilux` is lib/, where every
 *   `@ts-expect-error` below is used (pins);
 * - `npm run build && npx tsc -p spec-types/published.tsconfig.json`: `routilux` is dist/, where on
 *   main the four FINDING 1 directives are unused (the mistakes compile).
 */
import { Flow, Routine, type Slot } from 'routilux';

interface KV { key: string; value: string }
interface K { key: string }
interface N { v: number }

class Src extends Routine<{ trigger: N }, { k: K; opt: { v?: number }; nn: { v: number | null }; s: { v: string } }> {
  constructor() {
    super();
    this.defineEvent('k');
    this.defineEvent('opt');
    this.defineEvent('nn');
    this.defineEvent('s');
    this.defineSlot('trigger', () => undefined);
  }
}
class Dst extends Routine<{ kv: KV; n: N }> {
  constructor() {
    super();
    this.defineSlot('kv', ({ value }) => void value.toUpperCase()); // a TypeError when `value` never came
    this.defineSlot('n', ({ v }) => void v.toFixed());
  }
}
const flow = new Flow();
const src = new Src();
const dst = new Dst();
flow.addRoutine(src, 'src');
flow.addRoutine(dst, 'dst');

// @ts-expect-error FINDING 1: a K has no `value` (compiles against dist/)
flow.connect(src.event('k'), dst.slot('kv'));
// @ts-expect-error FINDING 1: an optional `v` does not fit a required one (compiles against dist/)
flow.connect(src.event('opt'), dst.slot('n'));
// @ts-expect-error FINDING 1: a nullable `v` does not fit a number (compiles against dist/)
flow.connect(src.event('nn'), dst.slot('n'));
declare const kvSlot: Slot<KV>;
// @ts-expect-error FINDING 1: the root cause: Slot<KV> is assignable to Slot<K> (compiles against dist/)
export const kSlot: Slot<K> = kvSlot;
// @ts-expect-error pin: unrelated field types are still refused against dist/ too
flow.connect(src.event('s'), dst.slot('n'));
