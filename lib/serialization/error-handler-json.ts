import { SerializationError } from '../errors/errors.js';
import type { ErrorHandler } from '../errors/error-handler.js';
import { errorTypeName } from './error-type-registry.js';

/**
 * An error policy as JSON; `retryableErrors` are names from `registerErrorType`.
 *
 * @example
 * ```ts
 * const h: ErrorHandlerJSON = { strategy: 'retry', maxRetries: 3, retryDelay: 100, backoffMultiplier: 2, isCritical: false, retryableErrors: ['TypeError'] };
 * ```
 */
export class ErrorHandlerJSON {
  strategy!: 'stop' | 'continue' | 'retry' | 'skip';
  maxRetries!: number;
  retryDelay!: number;
  backoffMultiplier!: number;
  isCritical!: boolean;
  retryableErrors!: string[];
}

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
