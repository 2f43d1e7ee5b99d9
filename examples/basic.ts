/**
 * The main example (`npm run demo`): a small but real flow with a fan-out, a fan-in that
 * aggregates with the `append` merge strategy, and a param mapping.
 *
 *            ┌─> price (quantity×unitPrice → lineTotal) ─┐
 *   orders ──┤                                           ├─> invoice (append) ─> printed summary
 *            └─> stock (sku → item, mapped)  ────────────┘
 *
 * `orders` emits one line per order item. Each line fans out to `price` and `stock`. Both
 * send into `invoice.parts`, whose `append` strategy accumulates every key as an array; once
 * it has one price and one stock answer per line it emits the invoice and resets the slot.
 *
 * What it prints:
 *   - one line per routine activation count (orders 1, price 3, stock 3, invoice 6),
 *   - the invoice: the three line totals, their sum and which items are in stock,
 *   - the final job status: `completed`.
 */
import { Flow, Routine, type ExecutionContext } from 'routilux';

interface Line { sku: string; quantity: number; unitPrice: number }

class Orders extends Routine {
  constructor() {
    super();
    this.defineEvent('line', ['sku', 'quantity', 'unitPrice']);
    this.defineSlot<{ lines: Line[] }>('trigger', ({ lines }) => {
      for (const line of lines) this.emit('line', { ...line });
    });
  }
}

class Price extends Routine {
  constructor() {
    super();
    this.defineEvent('priced', ['sku', 'lineTotal']);
    this.defineSlot<Line & Record<string, unknown>>('in', (line) => {
      this.emit('priced', { sku: line.sku, lineTotal: line.quantity * line.unitPrice });
    });
  }
}

/** Receives `item` instead of `sku`: the connection maps it (`{ sku: 'item' }`). */
class Stock extends Routine {
  private readonly inStock = new Set(['apple', 'pear']);
  constructor() {
    super();
    this.defineEvent('checked', ['item', 'available']);
    this.defineSlot<{ item: string }>('in', ({ item }) => {
      this.emit('checked', { stockItem: item, available: this.inStock.has(item) });
    });
  }
}

class Invoice extends Routine {
  constructor(private readonly expectedLines: number) {
    super();
    this.defineEvent('invoice', ['total', 'lines', 'available']);
    this.defineSlot('parts', this.onPart, { mergeStrategy: 'append' });
  }

  private onPart(parts: Record<string, unknown>, ctx: ExecutionContext): void {
    const totals = (parts.lineTotal ?? []) as number[];
    const checked = (parts.available ?? []) as boolean[];
    if (totals.length < this.expectedLines || checked.length < this.expectedLines) return; // wait for all parts
    const items = parts.stockItem as string[];
    ctx.emit('invoice', {
      lines: totals,
      total: totals.reduce((a, b) => a + b, 0),
      available: Object.fromEntries(items.map((item, i) => [item, checked[i]])),
    });
    ctx.resetSlot(); // the aggregator pattern: start the next invoice from nothing
  }
}

const lines: Line[] = [
  { sku: 'apple', quantity: 3, unitPrice: 0.5 },
  { sku: 'pear', quantity: 2, unitPrice: 0.75 },
  { sku: 'kiwi', quantity: 10, unitPrice: 0.2 },
];

const flow = new Flow({ flowId: 'demo' });
flow.addRoutine(new Orders(), 'orders');
flow.addRoutine(new Price(), 'price');
flow.addRoutine(new Stock(), 'stock');
flow.addRoutine(new Invoice(lines.length), 'invoice');
flow.connect('orders', 'line', 'price', 'in');
flow.connect('orders', 'line', 'stock', 'in', { sku: 'item' }); // param mapping: sku -> item
flow.connect('price', 'priced', 'invoice', 'parts');
flow.connect('stock', 'checked', 'invoice', 'parts');

const job = flow.start('orders', { lines });
job.observe('invoice', 'invoice').subscribe((invoice) => {
  console.log('invoice:', JSON.stringify(invoice));
});
const state = await job.wait();

for (const [id, rs] of Object.entries(state.routineStates)) {
  console.log(`${id.padEnd(8)} ${rs.status.padEnd(10)} activations=${rs.activations}`);
}
console.log(`job ${state.jobId}: ${state.status}`);
if (state.status !== 'completed') process.exitCode = 1;
