import { randomFillSync } from 'node:crypto';

/** Random bytes for ids, drawn in blocks (one system call per 256 ids). */
const pool = Buffer.alloc(4096);
let used = pool.length;

/**
 * @internal A job id nobody else picks: 128 random bits (as many as a UUID's 122) in 32 hex digits. Read
 * off a block of random bytes as one flat string (a `randomUUID()` is built of some twenty
 * concatenated pieces: garbage on the hot path of a client starting thousands of jobs).
 *
 * @example
 * ```ts
 * randomId(); // e.g. '9f86d081884c7d659a2feaa0c55ad015'
 * ```
 */
export function randomId(): string {
  if (used === pool.length) {
    randomFillSync(pool);
    used = 0;
  }
  used += 16;
  return pool.toString('hex', used - 16, used);
}

