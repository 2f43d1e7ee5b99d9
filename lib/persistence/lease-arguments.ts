import { ConfigurationError, describeValue } from '../errors/errors.js';

/**
 * @internal Checks the arguments of `acquire` (`ttlMs` given) and `release` (`ttlMs` omitted):
 * any string is a job id (stores keep whatever id a job was given), an owner is a non-empty
 * string, a ttl a positive finite number of ms.
 *
 * @throws {ConfigurationError} naming the caller and the bad argument.
 * @example
 * ```ts
 * checkLeaseArguments('FileJobStore.acquire', jobId, owner, ttlMs);
 * checkLeaseArguments('FileJobStore.release', jobId, owner);
 * ```
 */
export function checkLeaseArguments(where: string, jobId: unknown, owner: unknown, ...ttl: [ttlMs?: unknown]): void {
  if (typeof jobId !== 'string') throw new ConfigurationError(`${where}: the job id must be a string, got ${describeValue(jobId)}`);
  if (typeof owner !== 'string' || owner.length === 0) {
    throw new ConfigurationError(`${where}: the owner must be a non-empty string (e.g. 'worker-' + process.pid), got ${describeValue(owner)}`);
  }
  if (ttl.length === 0) return;
  const [ttlMs] = ttl;
  if (typeof ttlMs !== 'number' || !Number.isFinite(ttlMs) || ttlMs <= 0) {
    throw new ConfigurationError(`${where}: ttlMs must be a positive finite number of ms, got ${describeValue(ttlMs)}`);
  }
}
