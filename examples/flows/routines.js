/**
 * The routine classes of orders.json, registered under the names the JSON uses. Plain ESM
 * JavaScript, so the CLI loads it as is (after `npm run build`, 'routilux' is this package's
 * own dist/ through its `exports`):
 *
 *   npx routilux run examples/flows/orders.json --entry intake --require ./examples/flows/routines.js
 *
 * intake makes `count` orders (its config, or the `count` param) and emits one `order` each;
 * `price` and `stock` (which takes a few milliseconds per order, like a service call) answer
 * each order; `invoice` pairs the two answers of an order and sends one invoice output per
 * order. A `failSku` param makes pricing that SKU throw, so the job fails (exit code 1) after
 * price's retries.
 */
import { Routine, registerRoutine } from 'routilux';

const SKUS = ['apple', 'pear', 'kiwi', 'plum', 'fig'];

export class OrderIntake extends Routine {
  constructor() {
    super();
    this.setConfig({ count: 200 });
    this.defineEvent('order', ['orderId', 'sku', 'quantity', 'failSku']);
    this.defineSlot('trigger', (params) => {
      const count = Number(params.count ?? this.getConfig('count', 200));
      for (let i = 1; i <= count; i++) {
        this.emit('order', { orderId: i, sku: SKUS[i % SKUS.length], quantity: 1 + (i % 4), failSku: params.failSku ?? null });
      }
    });
  }
}

export class PriceOrder extends Routine {
  constructor() {
    super();
    this.setConfig({ prices: { apple: 0.5, pear: 0.75, kiwi: 1, plum: 0.6, fig: 1.2 } });
    this.defineEvent('priced', ['orderId', 'amount']);
    this.defineSlot('in', (order) => {
      if (order.sku === order.failSku) throw new Error(`no price for '${order.sku}'`);
      const unit = this.getConfig('prices', {})[order.sku] ?? 0;
      this.emit('priced', { orderId: order.orderId, amount: Math.round(unit * order.quantity * 100) / 100 });
    });
  }
}

export class CheckStock extends Routine {
  constructor() {
    super();
    this.setConfig({ delayMs: 40, outOfStock: ['kiwi'] });
    this.defineEvent('checked', ['orderId', 'inStock']);
    // `item` arrives under that name through the connection's param mapping (sku → item).
    this.defineSlot('in', async (order, ctx) => {
      await new Promise((resolve) => setTimeout(resolve, this.getConfig('delayMs', 40)));
      ctx.emit('checked', { orderId: order.orderId, inStock: !this.getConfig('outOfStock', []).includes(order.item) });
    });
  }
}

export class WriteInvoice extends Routine {
  constructor() {
    super();
    // Both answers of an order meet here; the first waits in the job's shared data.
    this.defineSlot('parts', (part, ctx) => {
      const key = `order:${part.orderId}`;
      const first = ctx.getSharedData(key);
      if (first === undefined) return ctx.setSharedData(key, part);
      ctx.setSharedData(key, undefined);
      const invoice = { ...first, ...part };
      const invoiced = ctx.getSharedData('invoiced', 0) + 1;
      ctx.setSharedData('invoiced', invoiced);
      ctx.updateRoutineState({ invoiced });
      this.sendOutput('invoice', { orderId: invoice.orderId, amount: invoice.amount, inStock: invoice.inStock });
    });
  }
}

registerRoutine('OrderIntake', OrderIntake);
registerRoutine('PriceOrder', PriceOrder);
registerRoutine('CheckStock', CheckStock);
registerRoutine('WriteInvoice', WriteInvoice);
