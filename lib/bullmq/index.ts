/**
 * `routilux/bullmq`: the same flows on many worker processes, through BullMQ and Redis, and a
 * durable Redis job store. Needs the optional peer dependencies `bullmq` and `ioredis`; the
 * `routilux` entry never loads this one.
 *
 * @example
 * ```ts
 * import { RedisJobStore } from 'routilux/bullmq';
 * const store = new RedisJobStore({ connection: { host: '127.0.0.1', port: 6379 } });
 * const flow = new Flow({ store, checkpoint: 'always' });
 * ```
 * @packageDocumentation
 */
export { RedisJobStore, type RedisJobStoreOptions } from './redis-job-store.js';
export type { RedisConnection } from './redis-connection.js';
export { isFencedWrite } from './fenced-error.js';
