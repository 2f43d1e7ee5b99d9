/**
 * Review s20: the findings of the nineteenth session's adversarial type review left open.
 *
 * Run: `npx tsc -p spec-types/tsconfig.json`.
 */
import 'reflect-metadata';
import { Routine, type Payload, type PortMap } from 'routilux';

interface N {
  v: number;
}

// FINDING 1: a routine generic over its slot map refused a merge function with an annotated
// `incoming` (its overload's options took a merge of Payloads; now of the slot's type).
class Order {
  id!: string;
  amount!: number;
  total(): number {
    return this.amount;
  }
}
export class F1<S extends PortMap<S> & { a: N; b: N; c: N; d: N }> extends Routine<S> {
  constructor() {
    super();
    this.defineSlot('a', (d) => void d.t.toFixed(), { mergeStrategy: (_p: Payload, i: N) => ({ t: i.v }) });
    this.defineSlot('b', (d) => void d.total(), { payloadClass: Order, mergeStrategy: (_p: Payload, i: N) => ({ id: 'x', amount: i.v }) });
    this.defineSlot('c', (d) => void d['t'], { activation: 'everySecond', mergeStrategy: (_p: Payload, i: N) => ({ t: i.v }) });
    // still refused: an annotation the slot type does not fit, an async merge
    // @ts-expect-error N is not { w: string }
    this.defineSlot('d', (d) => void d, { mergeStrategy: (_p: Payload, i: { w: string }) => ({ t: i.w }) });
    // @ts-expect-error an async merge
    this.defineSlot('d', (d) => void d, { mergeStrategy: async (_p: Payload, i: N) => ({ t: i.v }) });
  }
}
