import { ConfigurationError, RoutiluxError, SerializationError, JobStateError, TimeoutError, CancelledError } from '../errors/errors.js';
import type { RetryableError } from '../errors/error-handler.js';

const byName = new Map<string, RetryableError>();
const byValue = new Map<RetryableError, string>();

/**
 * Registers an error class or predicate under a name, so an ErrorHandler's `retryableErrors`
 * survive `flow.toJSON()` / `Flow.fromJSON()`. The standard error classes and Routilux's own
 * are registered under their class names.
 *
 * @example
 * ```ts
 * class RateLimited extends Error {}
 * registerErrorType('RateLimited', RateLimited);
 * registerErrorType('isTransient', (e) => (e as { transient?: boolean }).transient === true);
 * ```
 */
export function registerErrorType(name: string, type: RetryableError): void {
  if (typeof name !== 'string' || name.length === 0) throw new ConfigurationError('registerErrorType: name must be a non-empty string');
  if (typeof type !== 'function') throw new ConfigurationError(`registerErrorType('${name}'): expected an error class or a predicate`);
  const old = byName.get(name);
  if (old !== undefined) byValue.delete(old);
  byName.set(name, type);
  byValue.set(type, name);
}

/** @internal */
export function errorTypeName(type: RetryableError): string | undefined {
  return byValue.get(type);
}

/** @internal */
export function errorType(name: string): RetryableError | undefined {
  return byName.get(name);
}

for (const ctor of [Error, TypeError, RangeError, SyntaxError, ReferenceError, EvalError, URIError]) registerErrorType(ctor.name, ctor);
for (const ctor of [RoutiluxError, ConfigurationError, SerializationError, JobStateError, TimeoutError, CancelledError]) registerErrorType(ctor.name, ctor);
