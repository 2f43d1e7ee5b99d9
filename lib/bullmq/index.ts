/**
 * `routilux/bullmq`: the same flows on many worker processes, through BullMQ and Redis, and a
 * durable Redis job store. Needs the optional peer dependencies `bullmq` and `ioredis`; the
 * `routilux` entry never loads this one.
 *
 * @example
 * ```ts
 * import { BullMQRunner, runWorker } from 'routilux/bullmq';
 * // worker processes:
 * const worker = await runWorker(ordersFlow(), { connection: { host: '127.0.0.1', port: 6379 } });
 * // clients:
 * const runner = new BullMQRunner({ connection: { host: '127.0.0.1', port: 6379 } });
 * const state = await ordersFlow().execute('intake', { id: 42 }, { runner });
 * ```
 * @packageDocumentation
 */
export { BullMQRunner, type BullMQRunnerOptions } from './bullmq-runner.js';
export { runWorker, type WorkerOptions, type WorkerHandle } from './run-worker.js';
export { RemoteJob } from './remote-job.js';
export { flowFingerprint } from './flow-fingerprint.js';
export { RedisJobStore, type RedisJobStoreOptions } from './redis-job-store.js';
export type { JobKeys } from './redis-keys.js';
export type { RedisClient } from './lua-script.js';
export type { RedisConnection } from './redis-connection.js';
export { isFencedWrite } from './fenced-error.js';
export { WorkerLostError } from '../errors/errors.js';
export type { JobRunner } from '../flow/job-runner.js';
