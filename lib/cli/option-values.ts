import { ConfigurationError } from '../errors/errors.js';
import type { JobStatus } from '../core/records.js';
import type { Payload } from '../core/payload.js';

const STATUSES: readonly JobStatus[] = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
const UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * `--params`: a JSON object (the entry params).
 *
 * @throws {ConfigurationError} when it is not JSON, or not an object.
 * @example
 * ```ts
 * parseParams('{"orderId":7}'); // { orderId: 7 }
 * ```
 */
export function parseParams(text: string, option = '--params'): Payload {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new ConfigurationError(`${option}: not valid JSON (${(error as Error).message})`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new ConfigurationError(`${option}: expected a JSON object such as '{"orderId":7}', got ${text}`);
  return value as Payload;
}

/**
 * A duration: milliseconds, or a number with a unit `ms`, `s`, `m`, `h` or `d` (`90s`, `7d`).
 *
 * @throws {ConfigurationError} naming the option for anything else.
 * @example
 * ```ts
 * parseDuration('7d', '--older-than'); // 604800000
 * ```
 */
export function parseDuration(text: string, option: string): number {
  const m = /^(\d+(?:\.\d+)?)\s*(ms|s|m|h|d)?$/.exec(text.trim());
  if (m === null) throw new ConfigurationError(`${option}: expected a duration such as 500, 90s, 15m, 12h or 7d, got '${text}'`);
  return Math.round(Number(m[1]) * UNITS[m[2] ?? 'ms']);
}

/**
 * An integer in `[min, max]` (a port, a timeout in ms).
 *
 * @throws {ConfigurationError} naming the option otherwise.
 * @example
 * ```ts
 * parseInteger('8080', '--port', 0, 65535); // 8080
 * ```
 */
export function parseInteger(text: string, option: string, min: number, max = Number.MAX_SAFE_INTEGER): number {
  const n = Number(text);
  if (!/^\s*\d+\s*$/.test(text) || !Number.isSafeInteger(n) || n < min || n > max) throw new ConfigurationError(`${option}: expected an integer from ${min} to ${max}, got '${text}'`);
  return n;
}

/**
 * A comma-separated list of job statuses (`completed,cancelled`).
 *
 * @throws {ConfigurationError} naming an unknown status.
 * @example
 * ```ts
 * parseStatuses('completed,failed', '--status'); // ['completed', 'failed']
 * ```
 */
export function parseStatuses(text: string, option: string): JobStatus[] {
  const list = text.split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of list) if (!STATUSES.includes(s as JobStatus)) throw new ConfigurationError(`${option}: unknown status '${s}'; expected some of ${STATUSES.join(', ')}`);
  if (list.length === 0) throw new ConfigurationError(`${option}: expected at least one status`);
  return list as JobStatus[];
}
