/**
 * Type-level tests: in a typed routine, a slot handler's payload follows the slot's options
 * (review s16f, FINDING 2). Override (the default), a schema or a payload class: the slot's type.
 * 'append': {@link Appended}. A merge function: what it returns. A registered strategy or an
 * activation policy (known by name only): a Payload, or what the handler's annotation claims.
 * Collecting slots (batch, window): { items } (spec-types/policies.ts). Imports `routilux`, so it
 * is checked against lib/ (`npm run typecheck`) and the published declarations (`typecheck:published`).
 */
import { z } from 'zod';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Routine, type Appended, type NotCollecting, type Payload, type SlotOptions } from 'routilux';

interface N {
  v: number;
}
interface Fired {
  count: number;
  last: N;
}

declare const wide: SlotOptions<N> & NotCollecting;

export class Merges extends Routine<
  { a: N; b: N; c: N; d: N; e: N; f: N; g: N; h: N; i: N; j: N; k: N; l: N; m: N },
  { out: { n: number } }
> {
  constructor() {
    super();
    this.defineEvent('out');
    // The default and 'override': the slot's type.
    this.defineSlot('a', (d) => this.emit('out', { n: d.v }));
    this.defineSlot('b', (d) => this.emit('out', { n: d.v }), { mergeStrategy: 'override' });
    // @ts-expect-error override delivers an N, not arrays: a wrong annotation is refused with options too
    this.defineSlot('c', (d: Appended<N>) => void d, { mergeStrategy: 'override' });
    // 'append': readonly arrays of each key's values.
    this.defineSlot('d', (d) => this.emit('out', { n: d.v.reduce((x, y) => x + y, 0) }), { mergeStrategy: 'append' });
    this.defineSlot('e', (d) => {
      // @ts-expect-error the arrays are frozen
      d.v.push(1);
    }, { mergeStrategy: 'append' });
    // @ts-expect-error an annotation that says N under 'append' is a mistake, not a claim
    this.defineSlot('f', (d: N) => void d, { mergeStrategy: 'append' });
    // A schema checks the merged payload (under 'append': the arrays) and decides what the handler receives.
    this.defineSlot('g', (d) => this.emit('out', { n: d.v.length }), { mergeStrategy: 'append', schema: z.object({ v: z.array(z.number()) }) });
    // @ts-expect-error under 'append' the schema gets { v: number[] }: a number schema fails every payload at run time
    this.defineSlot('m', (d) => this.emit('out', { n: d.v }), { mergeStrategy: 'append', schema: z.object({ v: z.number() }) });
    // A registered strategy or a policy: a Payload, or the handler's claim.
    this.defineSlot('h', (d) => {
      // @ts-expect-error a Payload's values are unknown
      this.emit('out', { n: d['v'] + 1 });
    }, { mergeStrategy: 'sumUp' });
    this.defineSlot('i', (d: Fired) => this.emit('out', { n: d.count + d.last.v }), { activation: 'everySecond' });
    // Options typed only as SlotOptions (from config): a Payload.
    this.defineSlot('j', (d: Payload) => void d, wide);
    this.defineSlot('k', (d) => {
      // @ts-expect-error not known to be an N
      void d.v.toFixed();
    }, wide);
    // A merge function typed before the handler (annotated parameters): exactly its result.
    this.defineSlot('l', (d) => this.emit('out', { n: d.sum }), {
      mergeStrategy: (previous: Payload, incoming: Payload) => ({ sum: Number(previous['sum'] ?? 0) + Number(incoming['v']) }),
    });
  }
}

// A schema or payload class: the slot's type is what is sent, which the schema takes as its input
// (with a class and no schema: some of the class's fields); the handler receives their output.
class Money {
  cents = 0;
  euros(): number {
    return this.cents / 100;
  }
}
declare const anyInput: StandardSchemaV1<unknown, { v: number }>;
export class Admitting extends Routine<{ a: { n?: number }; b: { n: number }; c: { at: string }; d: { cents: number }; e: { at: string }; f: N }, { out: { n: number } }> {
  constructor() {
    super();
    const Defaulted = z.object({ n: z.number().default(1) });
    this.defineSlot('a', (d) => this.emit('out', { n: d.n }), { schema: Defaulted }); // the output's n is required
    this.defineSlot('b', (d) => this.emit('out', { n: d.n }), { schema: Defaulted }); // { n: number } fits the input { n?: number }
    this.defineSlot('c', (d) => this.emit('out', { n: d.at.getTime() }), { schema: z.object({ at: z.string().transform((s) => new Date(s)) }) });
    this.defineSlot('d', (d) => this.emit('out', { n: d.euros() }), { payloadClass: Money });
    // Schema first, then the class: the handler gets an instance.
    this.defineSlot('e', (d) => this.emit('out', { n: d.euros() }), { schema: z.object({ at: z.string() }).transform(({ at }) => ({ cents: at.length })), payloadClass: Money });
    // A schema typed only by its output takes any input.
    this.defineSlot('f', (d) => this.emit('out', { n: d.v }), { schema: anyInput });
  }
}

export class AdmittingWrong extends Routine<{ a: { n: string }; b: { n: number } }> {
  constructor() {
    super();
    // @ts-expect-error the schema takes { n?: number }: a { n: string } payload fails at run time
    this.defineSlot('a', (d) => void d, { schema: z.object({ n: z.number().default(1) }) });
    // @ts-expect-error the handler gets the schema's output { n: number }, not a string
    this.defineSlot('b', (d: { n: string }) => void d, { schema: z.object({ n: z.number() }) });
  }
}

export class Names extends Routine<{ a: N }> {
  constructor() {
    super();
    // @ts-expect-error not a slot of the routine, whatever the options
    this.defineSlot('zz', (d) => void d, { mergeStrategy: 'append' });
    // @ts-expect-error nor here
    this.defineSlot('zz', (d) => void d);
  }
}
