/**
 * The flow of the distributed example, shared by the client and the worker processes (both
 * must build the same definition: its fingerprint travels with every job).
 *
 *   intake ─> price (pool: runs on any worker) ─> invoice
 *
 * `intake` splits an order into lines, `price` (a slow, stateless lookup) prices each line on
 * the workers' activation pool, `invoice` adds the lines up in the job (on the job's owner).
 */
import { Flow, Routine, type ExecutionContext } from '../../lib/index.js';

class Intake extends Routine {
  constructor() {
    super();
    this.defineEvent('line', ['sku', 'qty']);
    this.defineSlot<{ lines: Array<{ sku: string; qty: number }> }>('trigger', ({ lines }, ctx) => {
      ctx.setSharedData('lines', lines.length);
      for (const line of lines) this.emit('line', line);
    });
  }
}

const PRICES: Record<string, number> = { apple: 0.5, pear: 0.75, kiwi: 1.25 };

class Price extends Routine {
  constructor() {
    super();
    this.defineEvent('priced', ['sku', 'amount']);
    this.defineSlot<{ sku: string; qty: number }>('in', async ({ sku, qty }, ctx: ExecutionContext) => {
      await new Promise((resolve) => setTimeout(resolve, 20)); // a price service
      ctx.emit('priced', { sku, amount: (PRICES[sku] ?? 0) * qty });
    });
    this.setPlacement('pool');
  }
}

class Invoice extends Routine {
  constructor() {
    super();
    this.defineSlot<{ sku: string; amount: number }>('in', ({ amount }, ctx) => {
      ctx.setSharedData('total', ctx.getSharedData<number>('total', 0) + amount);
      ctx.setSharedData('priced', ctx.getSharedData<number>('priced', 0) + 1);
    });
  }
}

export function ordersFlow(): Flow {
  const flow = new Flow({ flowId: 'orders' });
  flow.addRoutine(new Intake(), 'intake');
  flow.addRoutine(new Price(), 'price');
  flow.addRoutine(new Invoice(), 'invoice');
  flow.connect('intake', 'line', 'price', 'in');
  flow.connect('price', 'priced', 'invoice', 'in');
  return flow;
}

/** Where Redis is: `REDIS_SOCKET=/path/redis.sock`, else `REDIS_HOST` / `REDIS_PORT` (default 127.0.0.1:6379). */
export function redisConnection(): { path: string } | { host: string; port: number } {
  const socket = process.env.REDIS_SOCKET;
  return socket ? { path: socket } : { host: process.env.REDIS_HOST ?? '127.0.0.1', port: Number(process.env.REDIS_PORT ?? 6379) };
}
