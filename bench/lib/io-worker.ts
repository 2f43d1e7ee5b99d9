/**
 * A worker process of dist_io_scaling: runs the 10 ms I/O flow's jobs, one at a time
 * (concurrency 1), until SIGTERM; prints `ready` once it takes jobs.
 *
 *   node bench/.build/bench/lib/io-worker.js <socket> <prefix>
 */
import { runWorker } from '../../lib/bullmq/index.js';
import { buildIoFlow } from './io-flow.js';

const [socket, prefix] = process.argv.slice(2);
if (!socket || !prefix) {
  process.stderr.write('usage: io-worker <socket> <prefix>\n');
  process.exit(2);
}
const worker = await runWorker(buildIoFlow(), { connection: { path: socket }, prefix, concurrency: 1, pool: { concurrency: 0 } });
process.on('SIGTERM', () => void worker.close().then(() => process.exit(0)));
process.stdout.write('ready\n');
