import { SerializationError } from '../errors/errors.js';
import type { ErrorHandler } from '../errors/error-handler.js';
import { errorTypeName } from './error-type-registry.js';
import type { ErrorHandlerJSON } from './flow-json-classes.js';

/**
 * @internal An error policy's JSON; its `retryableErrors` by their registered names.
 *
 * @throws {SerializationError} naming the path of a retryable error type that is not registered.
 * @example
 * ```ts
 * handlerToJSON(routine.getErrorHandler()!, 'routines[0].errorHandler');
 * ```
 */
export function handlerToJSON(h: ErrorHandler, path: string): ErrorHandlerJSON {
  const names = h.retryableErrors.map((r, i) => {
    const name = errorTypeName(r);
    if (name === undefined) {
      throw new SerializationError(`${path}.retryableErrors[${i}]: ${r.name || 'this predicate'} is not registered; call registerErrorType(name, it) so it can be serialized`);
    }
    return name;
  });
  return { strategy: h.strategy, maxRetries: h.maxRetries, retryDelay: h.retryDelay, backoffMultiplier: h.backoffMultiplier, isCritical: h.isCritical, retryableErrors: names };
}
