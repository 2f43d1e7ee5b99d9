import { RoutiluxError, StoreError, describeError } from '../errors/errors.js';

/**
 * @internal What a store operation rejects with when `error` stopped it: a RoutiluxError is
 * passed on as it is (a ConfigurationError for bad input, a SerializationError for a corrupt
 * file, a StoreError already naming its file); anything else (a raw Node error such as
 * `EMFILE` or `EISDIR`, a `RangeError`, a thrown string) becomes a {@link StoreError} naming
 * the job and the file, with the original as its `cause`, so callers branch on one class.
 *
 * @example
 * ```ts
 * catch (error) { throw storeErrorOf(error, `FileJobStore: cannot save job 'a'`, { jobId: 'a', file }); }
 * ```
 */
export function storeErrorOf(error: unknown, what: string, where: { jobId?: string; file?: string }): RoutiluxError {
  if (error instanceof RoutiluxError) return error;
  // describeError: never throws, even for a value whose toString or message getter does.
  const reason = describeError(error).message;
  return new StoreError(`${what}${where.file === undefined ? '' : ` (${where.file})`}: ${reason}`, { ...where, cause: error });
}
