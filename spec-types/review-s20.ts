/**
 * Review s20: the findings of the nineteenth session's adversarial type review left open, each a
 * correct program refused or a mistake compiled. All four are fixed in the twentieth session and
 * their lines stay as pins: a `// @ts-expect-error` line is a mistake that must not compile, a
 * plain line a correct program that must. Also compiled against the published declarations.
 *
 * Run: `npx tsc -p spec-types/tsconfig.json`.
 */
import 'reflect-metadata';
import { z } from 'zod';
import { Routine, type Payload, type PortMap, type SlotOptions } from 'routilux';

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

// FINDING 2: an untyped routine refused a merge function with an annotated `incoming` (its merge
// took Payloads; an untyped slot is loose by design: the annotation is a claim, as a handler's is).
interface Row {
  x: number;
}
class Point {
  x!: number;
  norm(): number {
    return Math.abs(this.x);
  }
}
declare const cfg: SlotOptions;
export class F2 extends Routine {
  constructor() {
    super();
    this.defineSlot('a', (d) => void d['t'], { mergeStrategy: (_p, i: { x: number }) => ({ t: i.x }) });
    this.defineSlot('b', (d) => void d['t'], { mergeStrategy: (_p: Payload, i: Row) => ({ t: i.x }) });
    this.defineSlot('c', ({ items }) => void items, { batch: { size: 2 }, mergeStrategy: (_p, i: Row) => ({ t: i.x }) });
    this.defineSlot('d', (d) => void d.norm(), { payloadClass: Point, mergeStrategy: (_p, i: Row) => ({ x: i.x }) });
    this.defineSlot('e', (d: { count: number }) => void d.count, { activation: 'everySecond', mergeStrategy: (_p, i: Row) => ({ t: i.x }) });
    // options from config, spread, with such a merge
    this.defineSlot('j', (d) => void d, { ...cfg, mergeStrategy: (_p, i: Row) => ({ t: i.x }) });
    // an explicit type argument types the handler, options from config included (a claim); the
    // incoming of a merge is then a Payload (TypeScript infers no type argument once one is given)
    this.defineSlot<{ t: number }>('k', (d) => void d.t.toFixed(), { mergeStrategy: (_p, i) => ({ t: Number(i['x']) }) });
    this.defineSlot<{ t: number }>('l', (d) => void d.t.toFixed(), cfg);
    // unannotated, incoming stays a Payload
    this.defineSlot('f', (d) => void d, {
      mergeStrategy: (_p, i) => {
        // @ts-expect-error a Payload's values are unknown
        i['x'].toFixed();
        return {};
      },
    });
    // still refused: an incoming that is no payload, a merge returning no object or a promise
    // @ts-expect-error a payload is an object
    this.defineSlot('g', (d) => void d, { mergeStrategy: (_p, i: string) => ({ t: i }) });
    // @ts-expect-error a merge returns an object
    this.defineSlot('h', (d) => void d, { mergeStrategy: (_p, i: Row) => i.x });
    // @ts-expect-error an async merge
    this.defineSlot('i', (d) => void d, { mergeStrategy: async (_p, i: Row) => ({ t: i.x }) });
  }
}

// FINDING 3: options spread from a declared config object plus a merge function with an annotated
// incoming were refused in a typed routine (the overload for options of a declared type took a
// merge of Payloads; now of the slot's type). An untyped routine's: FINDING 2 ('j').
const base: SlotOptions = { activation: 'everySecond' };
const baseN: SlotOptions<N> = {};
export class F3 extends Routine<{ a: N; b: N; c: N; d: N; e: N; f: N }> {
  constructor() {
    super();
    this.defineSlot('a', (d) => void d, { ...base, mergeStrategy: (_p: Payload, i: N) => ({ t: i.v }) });
    this.defineSlot('b', (d: { t: string }) => void d.t, { ...baseN, mergeStrategy: (_p, i) => ({ t: i.v.toFixed() }) });
    this.defineSlot('f', (d) => void d, { ...base, mergeStrategy: (_p: Payload, i: N) => ({ t: i.v }), schema: z.object({ t: z.number() }) });
    // still refused: an annotation the slot type does not fit, a merge's result a schema refuses
    // @ts-expect-error N is not { w: string }
    this.defineSlot('c', (d) => void d, { ...base, mergeStrategy: (_p: Payload, i: { w: string }) => ({ t: i.w }) });
    // @ts-expect-error the merge's result does not fit the schema's input
    this.defineSlot('d', (d) => void d, { ...base, mergeStrategy: (_p: Payload, i: N) => ({ t: String(i.v) }), schema: z.object({ t: z.number() }) });
    // @ts-expect-error an async merge
    this.defineSlot('e', (d) => void d, { ...base, mergeStrategy: async (_p: Payload, i: N) => ({ t: i.v }) });
  }
}

// FINDING 4: a payload class's tuple field was checked as an array of its members' union (what
// the slot sends, or a schema's output next to the class): [1, 'a'] was taken for [string, number].
// DataOfField keeps a tuple's length and order, element by element (a Date there as its data too).
class Pair {
  pair!: [string, number];
}
class Span {
  span!: [Date, Date];
}
export class F4 extends Routine<{
  a: { pair: [string, number] };
  b: { pair: readonly [string, number] };
  c: { pair: [number, string] };
  d: { pair: (string | number)[] };
  e: { span: [string, number] };
  f: { pair: [string, number] };
}> {
  constructor() {
    super();
    this.defineSlot('a', (d) => void d.pair[1].toFixed(), { payloadClass: Pair });
    this.defineSlot('b', (d) => void d.pair[1].toFixed(), { payloadClass: Pair });
    this.defineSlot('e', (d) => void d.span[1].getTime(), { payloadClass: Span });
    this.defineSlot('f', (d) => void d.pair[0].toUpperCase(), { schema: z.object({ pair: z.tuple([z.string(), z.number()]) }), payloadClass: Pair });
    // @ts-expect-error a tuple in the other order
    this.defineSlot('c', (d) => void d, { payloadClass: Pair });
    // @ts-expect-error an array is not known to be a pair
    this.defineSlot('d', (d) => void d, { payloadClass: Pair });
    // @ts-expect-error the schema's output, a tuple in the other order, is not data for the class
    this.defineSlot('c', (d) => void d, { schema: z.object({ pair: z.tuple([z.number(), z.string()]) }), payloadClass: Pair });
  }
}
