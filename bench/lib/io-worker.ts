/**
 * A worker process of dist_io_scaling: runs the 10 ms I/O flow's jobs, one at a time
 * (concurrency 1), until SIGTERM; prints `ready` once it takes jobs. With `raw`, the same
 * 10 ms handler as a plain BullMQ worker (queue `rawio`, concurrency 1): the floor the
 * workload compares against. A line `cpu` on stdin is answered with `cpu <ms> <jobs>`: this
 * process's CPU time (user + system, all threads) and the jobs it ran so far. It stops on
 * SIGTERM or when its stdin closes (the bench ended).
 *
 *   node bench/.build/bench/lib/io-worker.js <socket> <prefix> [raw]
 */
import { createInterface } from 'node:readline';
import { Worker } from 'bullmq';
import { runWorker } from '../../lib/bullmq/index.js';
import { buildIoFlow, IO_MS, ran } from './io-flow.js';

const [socket, prefix, mode] = process.argv.slice(2);
if (!socket || !prefix) {
  process.stderr.write('usage: io-worker <socket> <prefix> [raw]\n');
  process.exit(2);
}
let close: () => Promise<void>;
if (mode === 'raw') {
  const worker = new Worker(
    'rawio',
    async (job) => {
      ran.activations++;
      await new Promise((resolve) => setTimeout(resolve, IO_MS));
      return (job.data as { x: number }).x;
    },
    { connection: { path: socket }, prefix, concurrency: 1 },
  );
  await worker.waitUntilReady();
  close = () => worker.close();
} else {
  const worker = await runWorker(buildIoFlow(), { connection: { path: socket }, prefix, concurrency: 1, pool: { concurrency: 0 } });
  close = () => worker.close();
}
const stopped = (): void => void close().then(() => process.exit(0));
process.on('SIGTERM', stopped);
createInterface({ input: process.stdin })
  .on('line', (line) => {
    if (line !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.stdout.write(`cpu ${(user + system) / 1000} ${ran.activations}\n`);
  })
  .on('close', stopped); // the bench is gone (its end of the pipe closed): no orphan left running
process.stdout.write('ready\n');
