import type { RedisConnection } from './redis-connection.js';

/**
 * Options of {@link RedisJobStore}.
 *
 * @example
 * ```ts
 * const options: RedisJobStoreOptions = { connection: { host: '127.0.0.1', port: 6379 }, prefix: 'orders' };
 * ```
 */
export interface RedisJobStoreOptions {
  /** Where Redis is (ioredis options, or a client of yours, which is never closed for you). */
  connection: RedisConnection;
  /** First part of every key (default `'rlx'`); jobs under another prefix are another store. */
  prefix?: string;
}

/**
 * @internal What {@link RedisJobStore.takeLease} tells: granted with the fencing epoch it holds
 * now and how many times the job's lease was taken over from a holder that never let it go;
 * refused with who holds it.
 */
export type LeaseGrant = { granted: true; epoch: string; expiresAt: number; recoveries: number } | { granted: false; owner: string; expiresAt: number };
