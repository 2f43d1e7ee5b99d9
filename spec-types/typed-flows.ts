/**
 * Type-level tests of typed flows (issue 18): what must compile does, and every mistake the
 * types must catch is an `@ts-expect-error` (tsc reports one that does not fail).
 */
import type { Observable, Observer } from 'rxjs';
import { z } from 'zod';
import * as v from 'valibot';
import { Flow, Routine, type Event, type ExecutionContext, type Job, type Payload, type Slot } from '../lib/index.js';

// Payload types are interfaces: no index signature needed.
interface RawLine { line: string }
interface Record2 { key: string; value: string }
interface Rejected { line: string; reason: string }
interface Stored { key: string; size: number }

class Parser extends Routine<{ in: RawLine }, { out: Record2; bad: Rejected }> {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineEvent('bad', ['line', 'reason']);
    this.defineSlot('in', (data, ctx) => {
      const line: string = data.line; // data is a RawLine
      const [key = '', value = ''] = line.split('=');
      if (value === '') ctx.emit('bad', { line, reason: 'no =' });
      else this.emit('out', { key, value });
      // @ts-expect-error unknown event name (ctx.emit)
      ctx.emit('nope', { line });
      // @ts-expect-error wrong payload field (ctx.emit)
      ctx.emit('out', { key, valu: value });
      // @ts-expect-error wrong event name (this.emit)
      this.emit('oot', { key, value });
      // @ts-expect-error wrong field type (this.emit)
      this.emit('out', { key, value: 1 });
      // @ts-expect-error data is a RawLine: it has no `key`
      void data.key;
    });
    // @ts-expect-error unknown slot name
    this.defineSlot('inn', () => undefined);
    // @ts-expect-error unknown event name
    this.defineEvent('outt');
  }
}

class Store extends Routine<{ in: { key: string; value: string }; size: { key: string; size: number } }, { saved: Stored }> {
  constructor() {
    super();
    this.defineEvent('saved');
    this.defineSlot('in', ({ key, value }) => this.emit('saved', { key, size: value.length }));
    this.defineSlot('size', ({ key, size }) => this.emit('saved', { key, size }));
  }
}

// A typed routine is a Routine: it goes wherever one does.
const parser = new Parser();
const store = new Store();
export const asRoutine: Routine = parser;
const flow = new Flow();
flow.addRoutine(parser, 'parser');
flow.addRoutine(store, 'store');

// Handles are typed by the port maps.
export const inSlot: Slot<RawLine> = parser.slot('in');
export const outEvent: Event<Record2> = parser.event('out');
// @ts-expect-error unknown slot handle
parser.slot('inn');
// @ts-expect-error unknown event handle
parser.event('ouT');

// connect: the event's payload, after the mapping renames its keys, must fit the slot's.
flow.connect(parser.event('out'), store.slot('in'));
flow.connect(store.event('saved'), store.slot('size'));
flow.connect(parser.event('bad'), store.slot('in'), { line: 'key', reason: 'value' });
// @ts-expect-error wrong payload field: a Rejected has no key/value
flow.connect(parser.event('bad'), store.slot('in'));
// @ts-expect-error wrong field type: size is a number, value a string
flow.connect(store.event('saved'), store.slot('in'), { size: 'value' });
// @ts-expect-error the mapping renames `reason` to a key the slot does not want
flow.connect(parser.event('bad'), store.slot('in'), { line: 'key', reason: 'valu' });
// @ts-expect-error the mapping names a key the event's payload does not have
flow.connect(parser.event('out'), store.slot('in'), { nope: 'key' });
// The string-id form stays for dynamic graphs.
flow.connect('parser', 'out', 'store', 'in', { anything: 'goes' });

// start / execute / run$ / send / input / observe are typed by their handles.
const job: Job = flow.start(parser.slot('in'), { line: 'a=1' }, { jobId: 'j1' });
export const done: Promise<unknown> = flow.execute(parser.slot('in'), { line: 'a=1' });
export const run$ = flow.run$(parser.slot('in'), { line: 'a=1' });
// @ts-expect-error wrong field in the entry params
flow.start(parser.slot('in'), { lines: 'a=1' });
// @ts-expect-error the typed form takes its slot from the handle
flow.start(parser.slot('in'), { line: 'a=1' }, { slot: 'other' });
job.send(parser.slot('in'), { line: 'b=2' });
// @ts-expect-error typed send with the wrong data
job.send(parser.slot('in'), { line: 2 });
// @ts-expect-error typed send with a missing field
job.send(store.slot('in'), { key: 'k' });
export const input: Observer<RawLine> = job.input(parser.slot('in'));
export const saved$: Observable<Stored> = job.observe(store.event('saved'));
export const allSaved$: Observable<Stored> = flow.observe(store.event('saved'));
// @ts-expect-error an Observable<Stored> is not one of RawLine
export const wrong$: Observable<RawLine> = job.observe(store.event('saved'));
// The string-id forms stay.
job.send('parser', 'in', { line: 'c=3' });
export const untyped$: Observable<Payload> = job.observe('store', 'saved');

// Untyped routines work exactly as before; explicit payload type arguments still compile, and
// now interfaces are fine there too.
class Numbers extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ n: number }>('trigger', ({ n }) => {
      for (let value = 1; value <= n; value++) this.emit('out', { value });
    });
    this.defineSlot<RawLine>('line', (data) => this.emit('out', { line: data.line }));
    this.defineSlot('any', (data, ctx: ExecutionContext) => {
      const x: unknown = data['x']; // data is a Payload
      ctx.emit('whatever', { x });
    });
  }
}
const numbers = new Numbers();
export const untypedSlot: Slot<Payload> = numbers.slot('any');
export const untypedEvent: Event<Payload> = numbers.event('out');

// A schema types the handler (zod and valibot, through Standard Schema).
class Validated extends Routine {
  constructor() {
    super();
    this.defineSlot('zod', (order) => {
      const amount: number = order.amount;
      void amount;
      // @ts-expect-error the schema has no `currency`
      void order.currency;
    }, { schema: z.object({ amount: z.number(), id: z.string() }) });
    this.defineSlot('valibot', (order) => {
      const id: string = order.id;
      void id;
    }, { schema: v.object({ id: v.string() }) });
    this.defineSlot('async', (order) => void order.id, { schema: z.object({ id: z.string() }).refine(async () => true) });
    this.defineEvent('checked', [], { schema: z.object({ ok: z.boolean() }) });
  }
}
export const validated = new Validated();

// In a typed routine the schema must produce the slot's payload type.
class TypedValidated extends Routine<{ in: { amount: number } }> {
  constructor() {
    super();
    this.defineSlot('in', ({ amount }) => void amount, { schema: z.object({ amount: z.number() }) });
  }
}
class WrongSchema extends Routine<{ in: { amount: number } }> {
  constructor() {
    super();
    // @ts-expect-error the schema produces a string amount, the slot wants a number
    this.defineSlot('in', ({ amount }) => void amount, { schema: z.object({ amount: z.string() }) });
  }
}
export const typedValidated = [new TypedValidated(), new WrongSchema()];

// A payload class types the handler as the class.
class Order {
  id = '';
  amount = 0;
  total(): number {
    return this.amount;
  }
}
class Orders extends Routine {
  constructor() {
    super();
    this.defineSlot('in', (order) => void order.total(), { payloadClass: Order });
  }
}
export const orders = new Orders();

// Port maps may be interfaces too, and the DESIGN's spelled-out default is an untyped routine.
interface AuditSlots { in: RawLine }
interface AuditEvents { seen: { at: number } }
class Audit extends Routine<AuditSlots, AuditEvents> {
  constructor() {
    super();
    this.defineEvent('seen');
    this.defineSlot('in', (_line, ctx) => ctx.emit('seen', { at: 1 }));
  }
}
class Spelled extends Routine<Record<string, Payload>, Record<string, Payload>> {
  constructor() {
    super();
    this.defineSlot('any', (data) => this.emit('whatever', { x: data['x'] }));
  }
}
export const routines: Routine[] = [new Audit(), new Spelled(), new Parser(), new Numbers()];
flow.addRoutine(new Audit(), 'audit');
flow.connect(parser.event('out'), new Audit().slot('in'), { key: 'line' });
