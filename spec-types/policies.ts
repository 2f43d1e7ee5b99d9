/**
 * Type-level tests of activation policies (issue 19): the options' shapes. (Typed payloads of
 * join and batch handlers, below, with typed routines.)
 */
import { Routine, registerActivationPolicy, type PolicyCellState, type SlotOptions } from '../lib/index.js';

const r = new Routine();
export const batch: SlotOptions = { batch: { size: 100, maxWait: 50 } };
export const window: SlotOptions = { window: 1000, mergeStrategy: 'append' };
r.defineJoin('pair', ['left', 'right'], (data, ctx) => ctx.emit('out', data), { mode: 'latest' });
registerActivationPolicy('p', (state, incoming) => ({ state, fire: incoming }));

// @ts-expect-error a batch size is a number
export const badSize: SlotOptions = { batch: { size: '100' } };
// @ts-expect-error a window is a number of ms
export const badWindow: SlotOptions = { window: '1s' };
// @ts-expect-error a join's mode is 'zip' or 'latest'
r.defineJoin('j', ['a', 'b'], () => {}, { mode: 'first' });
// @ts-expect-error a policy returns { state, fire? }
registerActivationPolicy('q', () => ({ fire: {} }));

// JobState.policies narrows on `kind`.
declare const cell: PolicyCellState;
if (cell.kind === 'zip') void cell.waiting;
// @ts-expect-error a batch's state has no `waiting`
if (cell.kind === 'batch') void cell.waiting;

// Typed routines: a join handler gets { [slot]: its payload }, a batch or window handler { items }.
interface Order {
  orderId: string;
  total: number;
}
interface Payment {
  orderId: string;
  amount: number;
}
interface Row {
  line: string;
}
export class Reconcile extends Routine<{ order: Order; payment: Payment; rows: Row; ticks: Row }, { paid: { orderId: string; ok: boolean } }> {
  constructor() {
    super();
    this.defineEvent('paid');
    this.defineJoin('pair', ['order', 'payment'], ({ order, payment }, ctx) => {
      const total: number = order.total;
      const amount: number = payment.amount;
      ctx.emit('paid', { orderId: order.orderId, ok: total === amount });
    });
    this.defineSlot('rows', ({ items }) => {
      const lines: string[] = items.map((row) => row.line);
      void lines;
    }, { batch: { size: 100, maxWait: 50 } });
    this.defineSlot('ticks', ({ items }) => void items.length, { window: 1000 });
  }
}

export class Mistakes extends Routine<{ order: Order; payment: Payment; rows: Row }, { paid: { orderId: string } }> {
  constructor() {
    super();
    // @ts-expect-error a join's slot must be one of the routine's slots
    this.defineJoin('pair', ['order', 'refund'], () => {});
    this.defineJoin('pair2', ['order', 'payment'], ({ order }) => {
      // @ts-expect-error an Order has no amount
      void order.amount;
    });
    // @ts-expect-error a batch handler receives { items }, not a Row
    this.defineSlot('rows', (row: Row) => void row.line, { batch: { size: 10 } });
    this.defineSlot('rows', ({ items }) => {
      // @ts-expect-error items are Rows
      void items[0].total;
    }, { batch: { size: 10 } });
  }
}

// Untyped routines: an explicit payload type types the items.
r.defineSlot<{ n: number }>('nums', ({ items }) => void items.map((x) => x.n + 1), { batch: { size: 5 } });
