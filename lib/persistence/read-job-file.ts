import { SerializationError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import { readRegularFile } from './regular-file.js';

/**
 * @internal The job state in the job file `file` of `jobId`, or `undefined` when there is no
 * such file.
 *
 * @throws {SerializationError} naming the file when it is corrupt or holds another job;
 * {@link StoreError} when it is not a regular file; the raw Node error when it cannot be read.
 * @example
 * ```ts
 * const state = await readJobFile(store.pathOf('order-17'), 'order-17');
 * ```
 */
export async function readJobFile(file: string, jobId: string): Promise<JobState | undefined> {
  const text = await readRegularFile(file, jobId);
  return text === undefined ? undefined : parseJobFile(file, jobId, text);
}

/**
 * @internal The job state in `text`, read from the job file `file` of `jobId`.
 *
 * @throws {SerializationError} naming the file when the text is corrupt or holds another job.
 * @example
 * ```ts
 * const state = parseJobFile(file, 'order-17', await readFile(file, 'utf8'));
 * ```
 */
export function parseJobFile(file: string, jobId: string, text: string): JobState {
  let state: JobState;
  try {
    state = JobState.fromJSON(text);
  } catch (error) {
    throw new SerializationError(`FileJobStore: ${file}: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
  if (state.jobId !== jobId) {
    throw new SerializationError(`FileJobStore: ${file}: holds job '${state.jobId}', expected job '${jobId}'`);
  }
  return state;
}
