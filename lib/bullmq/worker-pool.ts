import { Queue, Worker } from 'bullmq';
import { ConfigurationError, TimeoutError, describeValue } from '../errors/errors.js';
import type { Flow } from '../flow/flow.js';
import { setPoolExecutor } from '../model/placement.js';
import { BulkAdder } from './bulk-adder.js';
import { isFinishedAlready } from './bull-errors.js';
import type { LazyAbort } from './lazy-abort.js';
import type { ChannelFeed } from './channel-feed.js';
import type { RedisClient } from './lua-script.js';
import { poolExecutor, type PoolResults } from './pool-results.js';
import { ownerAbort, poolProcessor, type LocalOwner } from './pool-runner.js';
import type { RedisConnection } from './redis-connection.js';
import { encodeId } from './redis-keys.js';
import { ProcessingSet, dropWorker } from './processing-set.js';
import { poolQueueName, type PoolWire } from './wire.js';

/** @internal What the pool part of a worker needs from the rest of it. */
export interface PoolDeps {
  client: RedisClient;
  prefix: string;
  lockDuration: number;
  stalledInterval: number;
  nudges: ChannelFeed;
  report(error: unknown): void;
  /** Until when (epoch ms) a closing worker waits for the pool activations it runs. */
  closeDeadline(): number;
  resultsOf(jobId: string): PoolResults | undefined;
  /** This worker's lease owner id, and its ownership of a job it owns (see LocalOwner). */
  owner: string;
  localOwner(jobId: string): LocalOwner | undefined;
}

/**
 * @internal A worker's part of the activation pool (Tier 2): as an owner, it sends the
 * activations of its jobs' `'pool'` routines to the flow's pool queue (the executor installed
 * beside the flow); as a pool member (`pool.concurrency` > 0) it runs such activations of any
 * job, and aborts one when its owner announces the abort.
 *
 * @throws {ConfigurationError} (rejects) for a bad `pool` option.
 * @example
 * ```ts
 * const pool = await startPool(flow, options, deps);
 * await pool.close();
 * ```
 */
export async function startPool(flow: Flow, options: { connection: RedisConnection; pool?: { concurrency?: number } }, deps: PoolDeps): Promise<{ stopTaking(): Promise<void>; close(): Promise<void>; disconnect(): void }> {
  const concurrency = options.pool?.concurrency ?? 10;
  if (typeof concurrency !== 'number' || !Number.isInteger(concurrency) || concurrency < 0) {
    throw new ConfigurationError(`runWorker: option pool.concurrency must be an integer >= 0, got ${describeValue(concurrency)}`);
  }
  const name = poolQueueName(flow.flowId);
  const abortChannel = `${deps.prefix}:pool:${encodeId(flow.flowId)}:abort`;
  const queue = new Queue(name, { connection: options.connection as never, prefix: deps.prefix });
  queue.on('error', deps.report);
  setPoolExecutor(flow, poolExecutor({ resultsOf: deps.resultsOf, queue, adder: new BulkAdder(), client: deps.client, abortChannel }));
  const running = new Map<string, LazyAbort>();
  // An abort told for an activation not running here may be for one this worker is taking
  // (still queued when its owner told it: a cancel, a failure, an attempt timeout): kept a
  // minute (every member hears it), so that it never starts.
  const early = new Map<string, [number, string]>();
  let stopAborts: (() => void) | undefined;
  let worker: Worker<PoolWire> | undefined;
  /** The activations this member is processing (a closing worker waits for them, up to its closeTimeout). */
  const processing = new ProcessingSet();
  if (concurrency > 0) {
    stopAborts = await deps.nudges.watch(abortChannel, (message) => {
      const [key, reason] = message.split('\n');
      const activation = running.get(key);
      if (activation !== undefined) return activation.abort(ownerAbort(reason, key));
      const now = Date.now();
      for (const [k, [at]] of early) if (now - at > EARLY_MS) early.delete(k); else break; // (oldest first)
      early.delete(key);
      early.set(key, [now, reason ?? '']);
    });
    const run = poolProcessor({ flow, client: deps.client, prefix: deps.prefix, running, early, owner: deps.owner, localOwner: deps.localOwner, closeDeadline: deps.closeDeadline, report: deps.report });
    worker = new Worker<PoolWire>(name, processing.wrap(run), {
      connection: options.connection as never,
      prefix: deps.prefix,
      concurrency,
      lockDuration: deps.lockDuration,
      stalledInterval: deps.stalledInterval,
      maxStalledCount: Number.MAX_SAFE_INTEGER,
    });
    worker.on('error', (error) => isFinishedAlready(error) || deps.report(error)); // (a finish sent again after a blip: see isFinishedAlready)
    worker.on('failed', (_job, error) => deps.report(error));
    await worker.waitUntilReady();
  }
  return {
    /** Takes no more activations (a closing worker's first step: what it takes then could not finish by the deadline). */
    async stopTaking() {
      if (worker !== undefined) await processing.stopTaking(worker);
    },
    async close() {
      setPoolExecutor(flow, undefined);
      if (worker !== undefined) {
        // Those running get until the deadline, then BullMQ's close lets them go (force): their
        // locks lapse, and stall recovery runs them again elsewhere.
        const left = await processing.drainAndClose(worker, deps.closeDeadline());
        if (left > 0) deps.report(new TimeoutError(`pool: ${left} activation(s) did not settle within closeTimeout; left to BullMQ's stall recovery`));
      }
      stopAborts?.();
      await queue.close();
    },
    /** Drops the pool's connections at once (Redis stopped answering a closing worker). */
    disconnect() {
      setPoolExecutor(flow, undefined);
      stopAborts?.();
      if (worker !== undefined) dropWorker(worker);
      void queue.disconnect().catch(() => undefined);
    },
  };
}

/** How long a pool member remembers an abort told before it took the activation. */
const EARLY_MS = 60_000;
