/**
 * A worker process of the distributed example (`npx tsx examples/distributed/worker.ts`; start
 * as many as you like, on any machine that reaches the Redis). It owns jobs of the `orders`
 * flow and lends a hand to the activation pool; SIGTERM or SIGINT close it gracefully (running
 * jobs are handed over to the other workers; a handler still running after closeTimeout runs
 * again there).
 *
 * What it prints: `worker <id> ready`, then `worker <id> closed` when stopped.
 */
import { runWorker } from '../../lib/bullmq/index.js';
import { ordersFlow, redisConnection } from './orders-flow.js';

const worker = await runWorker(ordersFlow(), {
  connection: redisConnection(),
  concurrency: 20, // jobs owned at once
  pool: { concurrency: 10 }, // pool activations at once (routines placed with setPlacement('pool'))
  lockDuration: 10_000, // a dead worker's jobs move on after about this plus stalledInterval
  stalledInterval: 5_000,
  closeTimeout: 20_000, // a stop waits this long for running handlers (keep it below your orchestrator's grace period)
});
worker.errors$.subscribe((error) => console.error('worker error:', error));
console.log(`worker ${worker.id} ready`);

const stop = (): void => {
  worker.close().then(() => {
    console.log(`worker ${worker.id} closed`);
    process.exit(0);
  });
};
process.once('SIGTERM', stop);
process.once('SIGINT', stop);
