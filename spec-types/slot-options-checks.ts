/**
 * Type-level tests: what the typed `defineSlot` accepts and refuses beyond the handler's payload
 * (review s17b). Imports `routilux`: checked against lib/ and the published declarations.
 */
import 'reflect-metadata';
import { z } from 'zod';
import { Type } from 'class-transformer';
import type { StandardSchemaV1 } from '@standard-schema/spec';
import { Routine, type Payload, type PortMap } from 'routilux';

interface Row {
  a: number;
}
abstract class Shape {
  id!: string;
}
class Order {
  id!: string;
  amount!: number;
  total(): number {
    return this.amount;
  }
}
class Item {
  sku!: string;
  label(): string {
    return this.sku;
  }
}
class Cart {
  @Type(() => Item)
  items!: Item[];
}

export class Checks extends Routine<{
  a: { id: string };
  b: Row;
  c: Row;
  d: { items: { sku: string }[] };
  e: { v: number };
  f: { id: string; amount: number };
  h: { v: number };
  i: Row;
}> {
  constructor() {
    super();
    // @ts-expect-error an abstract class cannot be instantiated for each payload
    this.defineSlot('a', (s) => void s, { payloadClass: Shape });
    // @ts-expect-error a misspelt option name is a mistake, whatever else the options say
    this.defineSlot('b', (r) => void r, { schema: z.object({ a: z.number() }), mergStrategy: 'append' });
    // @ts-expect-error a misspelt option name, with no schema
    this.defineSlot('i', (r) => void r, { activation: 'everySecond', onEror: 'skip' });
    // @ts-expect-error an activation policy and a schema are not combined at run time (ConfigurationError)
    this.defineSlot('i', (r) => void r, { activation: 'everySecond', schema: z.object({ a: z.number() }) });
    // A loose object schema takes an interface-typed payload.
    this.defineSlot('c', (r) => void r.a.toFixed(), { schema: z.looseObject({ a: z.number() }) });
    // A payload class whose fields are classes (@Type) takes their plain data.
    this.defineSlot('d', (cart) => void cart.items[0]?.label(), { payloadClass: Cart });
    // A registered strategy's merged shape is known by name only: the schema is not checked against the slot type.
    this.defineSlot('e', (t) => void t.total.toFixed(), { mergeStrategy: 'sumUp', schema: z.object({ total: z.number() }) });
    // @ts-expect-error the schema's output is not what the payload class holds (id: number vs string)
    this.defineSlot('f', (o) => void o, { payloadClass: Order, schema: z.object({ id: z.coerce.number(), amount: z.number() }) });
    // @ts-expect-error the merge function makes { total }, which the schema refuses
    this.defineSlot('h', (t) => void t, { mergeStrategy: (_p: Payload, i: Payload) => ({ total: Number(i['v']) }), schema: z.object({ v: z.number() }) });
  }
}

/** A routine generic over its payload, given the schema of it. */
export class Generic<T extends object> extends Routine<{ in: T }, { out: T }> {
  constructor(schema: StandardSchemaV1<T, T>) {
    super();
    this.defineEvent('out');
    this.defineSlot('in', (d) => this.emit('out', d), { schema });
  }
}

/**
 * A routine generic over its slot map: the handler's payload follows the constraint, and a
 * schema types it. (What the schema takes cannot be compared with a generic slot type, so a
 * schema needs a slot type TypeScript can resolve; see the README.)
 */
export class OverMap<S extends PortMap<S> & { in: Row }> extends Routine<S> {
  constructor() {
    super();
    this.defineSlot('in', (r) => void r.a.toFixed());
    this.defineSlot('in', (r) => void r.a.toFixed(), { mergeStrategy: 'override' });
    this.defineSlot('in', (r) => void r.a.length, { mergeStrategy: 'append' });
    this.defineSlot('in', (t) => void t.total.toFixed(), { mergeStrategy: (_p: Payload, i: Payload) => ({ total: Number(i['a']) }) });
    // @ts-expect-error misspelt here too
    this.defineSlot('in', (r) => void r, { mergeStrategi: 'append' });
  }
}
