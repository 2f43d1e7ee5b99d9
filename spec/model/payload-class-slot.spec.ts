import 'reflect-metadata';
import { expect } from 'chai';
import { Type } from 'class-transformer';
import { z } from 'zod';
import { Flow, Routine, registerPayloadClass, type ExecutionContext, type JobState } from '../../lib/index.js';

// tsx emits no decorator metadata: nested class fields need an explicit @Type.
class Money {
  amount = 0;
  currency = 'EUR';
  format(): string {
    return `${this.amount.toFixed(2)} ${this.currency}`;
  }
}
class Order {
  id = '';
  @Type(() => Money) total = new Money();
  label(): string {
    return `${this.id}: ${this.total.format()}`;
  }
}
registerPayloadClass('PayloadClassSlotSpec.Money', Money);
registerPayloadClass('PayloadClassSlotSpec.Order', Order);

interface Seen {
  isOrder: boolean;
  isMoney: boolean;
  label: string;
}

/**
 * src.trigger emits `params.order` (plain or an Order) on `out` and pauses its job when
 * `params.pause` is set, so the delivery to orders.in waits in the job's queue; orders.in has
 * `payloadClass: Order` and records what its handler got.
 */
function makeFlow(seen: Seen[]): Flow {
  const flow = new Flow({ flowId: 'payload-class-slot' });
  const src = new Routine();
  src.defineEvent('out');
  src.defineSlot('trigger', (params: { order: object; pause?: boolean }, ctx: ExecutionContext) => {
    ctx.emit('out', params.order);
    if (params.pause === true) void ctx.pause('before orders');
  });
  const orders = new Routine();
  orders.defineEvent('labelled');
  orders.defineSlot('in', (order, ctx) => {
    seen.push({ isOrder: order instanceof Order, isMoney: order.total instanceof Money, label: order.label() });
    ctx.emit('labelled', { label: order.label() });
  }, { payloadClass: Order });
  flow.addRoutine(src, 'src');
  flow.addRoutine(orders, 'orders');
  flow.connect('src', 'out', 'orders', 'in');
  return flow;
}

const plain = { id: 'o-17', total: { amount: 4.5, currency: 'USD' } };
const instance = Object.assign(new Order(), { id: 'o-18', total: Object.assign(new Money(), { amount: 2, currency: 'EUR' }) });

describe('payload classes on slots (issue 18)', () => {
  it('a plain payload reaches the handler as an instance, nested @Type fields included', async () => {
    const seen: Seen[] = [];
    const state = await makeFlow(seen).execute('src', { order: plain });
    expect(state.status).to.equal('completed');
    expect(seen).to.deep.equal([{ isOrder: true, isMoney: true, label: 'o-17: 4.50 USD' }]);
  });

  it('an instance is passed as is (no copy)', async () => {
    let got: unknown;
    const flow = new Flow();
    const r = new Routine();
    r.defineSlot('trigger', (order) => void (got = order), { payloadClass: Order });
    flow.addRoutine(r, 'r');
    await flow.execute('r', instance as never);
    expect(got).to.equal(instance);
  });

  for (const [kind, order, label] of [['a plain payload', plain, 'o-17: 4.50 USD'], ['a registered instance', instance, 'o-18: 2.00 EUR']] as const) {
    it(`${kind} survives a pause, the job's JSON text, and a resume in a fresh Flow`, async () => {
      const before: Seen[] = [];
      const paused: JobState = await makeFlow(before).start('src', { order, pause: true }).wait();
      expect(paused.status).to.equal('paused');
      expect(before).to.deep.equal([]);
      expect(paused.pendingTasks.map((t) => `${t.routineId}.${t.slotName}`)).to.deep.equal(['orders.in']);
      const text = JSON.stringify(paused.toJSON());

      const after: Seen[] = [];
      const fresh = makeFlow(after);
      const labels: unknown[] = [];
      fresh.observe('orders', 'labelled').subscribe((p) => labels.push(p['label']));
      const done = await fresh.resume(text).wait();
      expect(done.status).to.equal('completed');
      expect(after).to.deep.equal([{ isOrder: true, isMoney: true, label }]);
      expect(labels).to.deep.equal([label]);
    });
  }

  it('with a schema too: the schema checks the plain payload, then its output becomes the instance', async () => {
    const seen: unknown[] = [];
    const flow = new Flow();
    const r = new Routine();
    const schema = z.object({ id: z.string().min(1), total: z.object({ amount: z.number(), currency: z.string() }) });
    r.defineSlot('trigger', (order) => void seen.push([order instanceof Order, order.label()]), { schema, payloadClass: Order });
    flow.addRoutine(r, 'r');
    expect((await flow.execute('r', plain)).status).to.equal('completed');
    expect(seen).to.deep.equal([[true, 'o-17: 4.50 USD']]);
    const bad = await flow.execute('r', { id: '', total: plain.total });
    expect(bad.error).to.include({ name: 'ValidationError' });
    expect(bad.error?.message).to.include("routine 'r' slot 'trigger': invalid payload: id:");
  });
});

describe('payloadClass of a class that is not registered', () => {
  // The registry is where class-transformer is loaded (the core never imports it), and without
  // it a job could not save the instances anyway: the activation fails, naming what to do.
  it('fails the activation with a ConfigurationError naming the class and registerPayloadClass', async () => {
    class Unregistered {
      n = 0;
    }
    const flow = new Flow();
    const r = new Routine();
    r.defineSlot('trigger', () => {}, { payloadClass: Unregistered });
    flow.addRoutine(r, 'r');
    const state = await flow.execute('r', { n: 1 });
    expect(state.status).to.equal('failed');
    expect(state.error?.name).to.equal('ConfigurationError');
    expect(state.error?.message).to.match(/payloadClass Unregistered is not registered: call registerPayloadClass\('Unregistered', Unregistered\)/);
  });
});
