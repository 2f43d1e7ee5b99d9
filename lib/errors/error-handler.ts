import { ConfigurationError, describeValue, quoteValue } from './errors.js';

/**
 * What happens when an activation fails.
 *
 * @example
 * ```ts
 * new ErrorHandler({ strategy: ErrorStrategy.RETRY, maxRetries: 2 });
 * ```
 */
export enum ErrorStrategy {
  /** Fail the job at once; queued tasks stay pending so it can be resumed. */
  STOP = 'stop',
  /** Record the error and go on; the job can complete. */
  CONTINUE = 'continue',
  /** Re-run the activation with backoff, up to `maxRetries` times, then STOP. */
  RETRY = 'retry',
  /** Drop the activation (routine state `skipped`) and go on. */
  SKIP = 'skip',
}

/**
 * A class of retryable errors, or a predicate deciding retryability.
 *
 * @example
 * ```ts
 * const retryable: RetryableError[] = [TypeError, (e) => (e as { status?: number }).status === 503];
 * ```
 */
export type RetryableError = (abstract new (...args: never[]) => Error) | ((error: unknown) => boolean);

/**
 * Options of {@link ErrorHandler}; every field has a default.
 *
 * @example
 * ```ts
 * const options: ErrorHandlerOptions = { strategy: 'retry', retryDelay: 100, retryableErrors: [NetworkError] };
 * ```
 */
export interface ErrorHandlerOptions {
  strategy?: ErrorStrategy | 'stop' | 'continue' | 'retry' | 'skip';
  /** Re-runs after the first attempt (default 3). */
  maxRetries?: number;
  /** ms before the first retry (default 1000). */
  retryDelay?: number;
  /** Each later retry waits this many times longer (default 2). */
  backoffMultiplier?: number;
  /** Only these errors are retried (default: every error). */
  retryableErrors?: RetryableError[];
  /** Marks the routine as critical (set by `setAsCritical`); reported in JSON and stats. */
  isCritical?: boolean;
}

const STRATEGIES: readonly string[] = ['stop', 'continue', 'retry', 'skip'];

/**
 * An error policy for a routine or a whole flow. Immutable once built.
 *
 * @example
 * ```ts
 * routine.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 100, backoffMultiplier: 2 }));
 * flow.setErrorHandler(new ErrorHandler({ strategy: 'continue' }));
 * ```
 */
export class ErrorHandler {
  readonly strategy: ErrorStrategy;
  readonly maxRetries: number;
  readonly retryDelay: number;
  readonly backoffMultiplier: number;
  readonly isCritical: boolean;
  readonly retryableErrors: readonly RetryableError[];

  constructor(options: ErrorHandlerOptions = {}) {
    const strategy = options.strategy ?? ErrorStrategy.STOP;
    if (!STRATEGIES.includes(strategy)) {
      throw new ConfigurationError(`ErrorHandler: unknown strategy ${quoteValue(strategy)}; expected one of ${STRATEGIES.join(', ')}`);
    }
    this.strategy = strategy as ErrorStrategy;
    this.maxRetries = checkNumber('maxRetries', options.maxRetries ?? 3, true, MAX_RETRIES);
    this.retryDelay = checkNumber('retryDelay', options.retryDelay ?? 1000, false, Number.MAX_SAFE_INTEGER);
    this.backoffMultiplier = checkNumber('backoffMultiplier', options.backoffMultiplier ?? 2, false, MAX_MULTIPLIER);
    if (options.isCritical !== undefined && typeof options.isCritical !== 'boolean') {
      throw new ConfigurationError(`ErrorHandler: isCritical must be a boolean, got ${describeValue(options.isCritical)}`);
    }
    this.isCritical = options.isCritical ?? false;
    const retryable = options.retryableErrors ?? [];
    if (!Array.isArray(retryable) || retryable.some((r) => typeof r !== 'function')) {
      throw new ConfigurationError('ErrorHandler: retryableErrors must be an array of error classes or predicates');
    }
    this.retryableErrors = Object.freeze(retryable.slice());
    Object.freeze(this);
  }

  /**
   * Whether `error` may be retried: every error when `retryableErrors` is empty, else an
   * instance of a listed class or one a listed predicate accepts.
   *
   * @example
   * ```ts
   * new ErrorHandler({ retryableErrors: [TypeError] }).isRetryable(new TypeError()); // true
   * ```
   */
  isRetryable(error: unknown): boolean {
    if (this.retryableErrors.length === 0) return true;
    return this.retryableErrors.some((r) => (isErrorClass(r) ? error instanceof r : (r as (e: unknown) => boolean)(error)));
  }

  /**
   * ms to wait before running `nextAttempt` (2 = the first retry):
   * `retryDelay * backoffMultiplier^(nextAttempt - 2)`.
   *
   * @example
   * ```ts
   * new ErrorHandler({ retryDelay: 100, backoffMultiplier: 2 }).delayBefore(3); // 200
   * ```
   */
  delayBefore(nextAttempt: number): number {
    // Capped so a long backoff stays a (very long) finite wait instead of Infinity.
    return Math.min(this.retryDelay * Math.pow(this.backoffMultiplier, nextAttempt - 2), Number.MAX_SAFE_INTEGER);
  }
}

/** Retries beyond this are a loop, not a policy. */
const MAX_RETRIES = 1_000_000;
const MAX_MULTIPLIER = 1_000_000;

function checkNumber(name: string, value: number, integer: boolean, max: number): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0 || value > max || (integer && !Number.isInteger(value))) {
    throw new ConfigurationError(`ErrorHandler: ${name} must be a ${integer ? 'non-negative integer' : 'non-negative number'} up to ${max}, got ${describeValue(value)}`);
  }
  return value;
}

/** Error classes have an Error prototype; predicates do not. */
function isErrorClass(r: RetryableError): r is abstract new (...args: never[]) => Error {
  return typeof r === 'function' && (r.prototype instanceof Error || r === Error);
}
