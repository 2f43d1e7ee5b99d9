/**
 * The client of the distributed example (`npx tsx examples/distributed/client.ts`, with one or
 * more `worker.ts` running against the same Redis). It starts three orders on the workers and
 * waits for them, watches one job's priced lines as they are applied, pauses and resumes one,
 * and picks a job up again by id, as another process would.
 *
 * What it prints:
 *   - `order-1: completed, 3 lines, total 5.75` (and the same for order-2, order-3: the three
 *     run at once on the workers),
 *   - `priced: apple, pear, kiwi` (order-1's `priced` events, in the order its owner applied
 *     them: FIFO within the job, wherever the pool ran each one),
 *   - `order-4 paused (review), then completed: total 2` (pause and resume through Redis),
 *   - `order-1 seen from another handle: completed` (`runner.job(flow, id)`),
 * then closes its connections (the workers keep running).
 */
import { BullMQRunner } from '../../lib/bullmq/index.js';
import { ordersFlow, redisConnection } from './orders-flow.js';

const runner = new BullMQRunner({ connection: redisConnection() });
const flow = ordersFlow();
const run = `${Date.now().toString(36)}`; // ids new to this Redis on every run

const lines = [
  { sku: 'apple', qty: 2 },
  { sku: 'pear', qty: 3 },
  { sku: 'kiwi', qty: 2 },
];
const jobs = [1, 2, 3].map((k) => flow.start('intake', { lines }, { runner, jobId: `order-${k}-${run}` }));
const priced: string[] = [];
jobs[0].observe('price', 'priced').subscribe((p) => priced.push(String(p.sku)));
for (const [k, job] of jobs.entries()) {
  const state = await job.wait();
  console.log(`order-${k + 1}: ${state.status}, ${state.getSharedData('priced')} lines, total ${state.getSharedData('total')}`);
}
console.log(`priced: ${priced.join(', ')}`);

const slow = flow.start('intake', { lines: [{ sku: 'apple', qty: 1 }, { sku: 'pear', qty: 2 }] }, { runner, jobId: `order-4-${run}` });
const paused = await slow.pause('review');
slow.resume();
const done = await slow.wait();
console.log(`order-4 ${paused.status} (${paused.pausePoints.at(-1)?.reason}), then ${done.status}: total ${done.getSharedData('total')}`);

const again = await runner.job(flow, `order-1-${run}`);
console.log(`order-1 seen from another handle: ${again.state.status}`);
await runner.close();
