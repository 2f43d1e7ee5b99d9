/**
 * Review s16f (typed wiring: "types that catch mistakes at the line they are made").
 *
 * Each `// @ts-expect-error FINDING n` line is a mistake that compiles on main and fails at run
 * time (so tsc reports the directive as unused); each line under "FINDING n (correct program)"
 * is a program that is right at run time but does not compile on main. Everything else is a pin:
 * it compiles, or its `@ts-expect-error` is used, on main.
 *
 * Run: `npx tsc -p spec-types/tsconfig.json` (picked up by `npm run typecheck`). FINDING 1 is in
 * review-s16f-published.ts: it only shows against the published declarations, see that file.
 *
 * Since the fixes: every FINDING is fixed (its directives are used, its correct programs compile).
 */
import { of, type Observer } from 'rxjs';
import { z } from 'zod';
import { Flow, Routine, registerActivationPolicy, registerPayloadClass, type ExecutionContext, type Payload } from '../lib/index.js';
import { BullMQRunner } from '../lib/bullmq/index.js';
import { throughFlow } from '../lib/rx/through-flow.js';

interface N { v: number }
interface K { key: string }
interface KV { key: string; value: string }

registerActivationPolicy('everySecond', (state, incoming) => {
  const n = ((state['n'] as number | undefined) ?? 0) + 1;
  return n === 2 ? { state: {}, fire: { count: n, last: incoming } } : { state: { n } };
});

// FINDING 2: a typed slot's handler is typed S[K] whatever the merge strategy or activation
// policy makes it receive. Run time: 'append' delivers { v: [1] } (`d.v.toFixed` is a TypeError),
// the custom merge delivers { total }, the policy { count, last }.
export class Accumulate extends Routine<{ app: N; cust: N; cust2: N; act: N; plain: N }, { out: { s: string } }> {
  constructor() {
    super();
    this.defineEvent('out');
    // FINDING 2 (fixed): the payload follows the merge strategy; a registered strategy or policy
    // (known by name only) gives a Payload unless the handler's annotation says what it fires.
    this.defineSlot('app', (d) => {
      // @ts-expect-error FINDING 2: with mergeStrategy 'append' `v` is a readonly number[]
      const v: number = d.v;
      const all: readonly number[] = d.v; // correct program
      this.emit('out', { s: `${v}${all.length}` });
    }, { mergeStrategy: 'append' });
    this.defineSlot('cust', (d) => {
      // @ts-expect-error FINDING 2: the handler receives what the merge function returns ({ total }), not an N
      void d.v.toFixed();
      void d['total']; // correct program (a merge function with unannotated parameters gives a Payload: see below)
    }, { mergeStrategy: (_previous, incoming) => ({ total: incoming['v'] }) });
    // A merge function whose parameters are annotated (or a declared MergeFunction) is typed before the
    // handler is, so the handler gets exactly its result.
    this.defineSlot('cust2', (d) => {
      const total: number = d.total;
      // @ts-expect-error pin: no `v` in { total }
      void d.v;
      void total;
    }, { mergeStrategy: (previous: Payload, incoming: Payload) => ({ total: Number(previous['total'] ?? 0) + Number(incoming['v']) }) });
    this.defineSlot('act', (d) => {
      // @ts-expect-error FINDING 2: the handler receives what the policy fires (a Payload here), not an N
      void d.v.toFixed();
      void d['count']; // correct program: a Payload's values are unknown
    }, { activation: 'everySecond' });
    // Pin: override (the default) keeps the payload type.
    this.defineSlot('plain', (d) => void d.v.toFixed(), { mergeStrategy: 'override' });
  }
}

// FINDING 3: in an untyped routine `ctx.emit` takes any data (E[K] of AnyPorts is `any`); the run
// time refuses a non-object with a ConfigurationError ("a payload must be an object, got number").
// `this.emit` (EmitArgs: object) already refuses it at compile time (pin).
export class Loose extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (_data, ctx) => {
      // @ts-expect-error FINDING 3: a number is not a payload
      ctx.emit('out', 42);
      // @ts-expect-error FINDING 3: nor is null
      ctx.emit('out', null);
      // @ts-expect-error pin: this.emit refuses it
      this.emit('out', 42);
      ctx.emit('whatever', { any: 'object' }); // pin: untyped names and objects go
    });
  }
}

// FINDING 4: a typed routine's flush context and getExecutionContext() are untyped: an unknown
// event (run time: ConfigurationError "routine 't' has no event 'nope'") or a wrong payload compiles.
export class Flushing extends Routine<{ in: N }, { out: N }> {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('in', (d, ctx) => {
      // @ts-expect-error pin: the handler's ctx is typed
      ctx.emit('nope', d);
      // @ts-expect-error FINDING 4: getExecutionContext() is an ExecutionContext<AnyPorts>
      this.getExecutionContext()?.emit('nope', d);
    });
    this.defineFlush((ctx) => {
      // @ts-expect-error FINDING 4: the flush handler's ctx is an ExecutionContext<AnyPorts>
      ctx.emit('nope', { v: 1 });
      // @ts-expect-error FINDING 4: and takes a wrong payload for a typed event
      ctx.emit('out', { v: 'one' });
    });
  }
}

// FINDING 5: a slot schema with a transform: the handle's type is the schema's OUTPUT, but what is
// sent is checked as the schema's INPUT. Run time: job.send(..., { at: new Date() }) fails with
// ValidationError "at: expected string, received Date"; sending the string the schema wants does
// not compile.
// Fixed: a typed routine's slot type is what is sent, which the schema must take as its input; the
// handler receives the schema's output.
const StampSchema = z.object({ at: z.string().transform((s) => new Date(s)) });
export class StampedWrong extends Routine<{ in: { at: Date } }> {
  constructor() {
    super();
    // @ts-expect-error FINDING 5: the schema takes { at: string }, not the slot's { at: Date }
    this.defineSlot('in', ({ at }) => void at.getTime(), { schema: StampSchema });
  }
}
export class Stamped extends Routine<{ in: { at: string } }> {
  constructor() {
    super();
    this.defineSlot('in', ({ at }) => void at.getTime(), { schema: StampSchema }); // correct program: the handler gets a Date
  }
}

// FINDING 6 (correct program): a payload class with a method: plain objects are what a flow
// carries and what the slot revives with plainToInstance (run time: completes, total() works), but
// the handle's type is the class, so sending / connecting / starting with plain data does not compile.
// Fixed: the slot's type is the plain data (or the class: an instance has the fields too); the
// handler receives an instance.
class Order {
  id = '';
  amount = 0;
  total(): number {
    return this.amount;
  }
}
registerPayloadClass('Order', Order);
export class Orders extends Routine<{ in: { id: string; amount: number } }> {
  constructor() {
    super();
    this.defineSlot('in', (order) => void order.total(), { payloadClass: Order });
  }
}
export class OrdersByClass extends Routine<{ in: Order }> {
  constructor() {
    super();
    this.defineSlot('in', (order) => void order.total(), { payloadClass: Order }); // pin: as before
  }
}
export class OrdersWrong extends Routine<{ in: { ident: string } }> {
  constructor() {
    super();
    // @ts-expect-error pin: none of the slot type's fields is a field of Order
    this.defineSlot('in', (order) => void order.total(), { payloadClass: Order });
  }
}

// FINDING 8: a join needs two slots (run time: ConfigurationError "expected an array of at least
// two slot names"), but one compiles.
export class Joins extends Routine<{ a: N; b: N }, { out: N }> {
  constructor() {
    super();
    this.defineEvent('out');
    // @ts-expect-error FINDING 8: a join of one slot
    this.defineJoin('solo', ['a'], ({ a }, ctx) => ctx.emit('out', a));
    // @ts-expect-error pin: a join's slots are the routine's
    this.defineJoin('bad', ['a', 'c'], () => undefined);
  }
}

// Pins: a method handler is checked like an arrow (no method bivariance hole).
export class Methods extends Routine<{ in: K; in2: K }, { out: KV }> {
  constructor() {
    super();
    this.defineEvent('out');
    // @ts-expect-error pin: the method wants a KV, the slot delivers a K
    this.defineSlot('in', this.onKv);
    // @ts-expect-error pin: the same with an arrow
    this.defineSlot('in2', (d: KV) => void d);
  }
  onKv(d: KV, ctx: ExecutionContext<{ out: KV }>): void {
    ctx.emit('out', { key: d.key, value: d.value.toUpperCase() });
  }
}

class Two extends Routine<{ trigger: {} }, { two: { a: string; b: number }; k: K; opt: { v?: number } }> {
  constructor() {
    super();
    this.defineEvent('two');
    this.defineEvent('k');
    this.defineEvent('opt');
    this.defineSlot('trigger', () => this.emit('two', { a: 'a', b: 1 }));
  }
}
class Sinks extends Routine<{ b: { b: string }; kv: KV; n: N }> {
  constructor() {
    super();
    this.defineSlot('b', () => undefined);
    this.defineSlot('kv', () => undefined);
    this.defineSlot('n', () => undefined);
  }
}

const flow = new Flow();
const two = new Two();
const sinks = new Sinks();
const stamped = new Stamped();
const orders = new Orders();
flow.addRoutine(two, 'two');
flow.addRoutine(sinks, 'sinks');
flow.addRoutine(stamped, 'stamped');
flow.addRoutine(orders, 'orders');
const job = flow.open();

// FINDING 5 (fixed): what is sent is checked as the schema's input.
// @ts-expect-error FINDING 5: a Date is not what the schema takes
job.send(stamped.slot('in'), { at: new Date() });
job.send(stamped.slot('in'), { at: '2020-01-01T00:00:00Z' }); // correct program

// FINDING 6 (fixed): the plain data the slot revives (with plainToInstance) can be sent.
job.send(orders.slot('in'), { id: 'o-1', amount: 7 }); // correct program
job.send(orders.slot('in'), new Order()); // pin: an instance has the fields too

// FINDING 7 (correct programs): the string-id forms (and BullMQRunner.start, throughFlow) take a
// `Payload` (Record<string, unknown>), which a value typed by an interface is not (TS2345 "Index
// signature for type 'string' is missing"), though the library invites interfaces as payload types.
declare const kv: KV;
flow.start('sinks', kv, { slot: 'kv' });
job.send('sinks', 'kv', kv);
of(kv).subscribe(job.input('sinks', 'kv'));
declare const runner: BullMQRunner;
runner.start(flow, 'sinks', kv, { slot: 'kv' });
of(kv).pipe(throughFlow(flow, { entry: 'sinks', slot: 'kv', output: ['two', 'two'] }));
// Pin: the typed forms take interfaces.
job.send(sinks.slot('kv'), kv);
export const typedInput: Observer<KV> = job.input(sinks.slot('kv'));

// FINDING 9 (correct program): `{ a: 'b' }` over a payload that also has a `b`: at run time the
// mapped `a` wins (the slot gets { b: 'a' }, a string), but MappedPayload types `b` as string | number.
flow.connect(two.event('two'), sinks.slot('b'), { a: 'b' });

// Pins: connect by handle on lib/ (FINDING 1: these compile against the published types).
// @ts-expect-error pin: a K has no `value`
flow.connect(two.event('k'), sinks.slot('kv'));
// @ts-expect-error pin: an optional v does not fit a required one
flow.connect(two.event('opt'), sinks.slot('n'));
// @ts-expect-error pin: unknown event handle
two.event('nope');
// @ts-expect-error pin: unknown slot handle
sinks.slot('nope');
// Pin (a choice, not a finding): an untyped event does not connect to a typed slot by handle
// (a Payload is not an N); the string form stays for that.
const untyped = new Routine();
untyped.defineEvent('out');
flow.addRoutine(untyped, 'untyped');
// @ts-expect-error pin: Event<Payload> to Slot<N>
flow.connect(untyped.event('out'), sinks.slot('n'));
flow.connect('untyped', 'out', 'sinks', 'n');
export const anyPayload: Payload = {};
