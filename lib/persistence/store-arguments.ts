import { ConfigurationError, SerializationError, describeValue } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';

/**
 * @internal Rejects anything that is not a JobState, naming the caller; returns its job id.
 *
 * @example
 * ```ts
 * const jobId = checkState(state, 'FileJobStore.save');
 * ```
 */
export function checkState(state: unknown, where: string): string {
  if (!isJobState(state)) {
    throw new ConfigurationError(`${where}: expected a JobState (e.g. job.state or JobState.fromJSON(text)), got ${describe(state)}`);
  }
  return state.jobId;
}

/**
 * @internal Rejects a job id that is not a string, naming the caller. Any string is valid,
 * the empty one included: stores must keep whatever id a job was given.
 *
 * @example
 * ```ts
 * checkId(jobId, 'MemoryJobStore.load');
 * ```
 */
export function checkId(jobId: unknown, where: string): asserts jobId is string {
  if (typeof jobId !== 'string') throw new ConfigurationError(`${where}: the job id must be a string, got ${describe(jobId)}`);
}

/**
 * @internal `JSON.stringify(state)`, with a failure (a BigInt or a cycle in a payload) turned into
 * a SerializationError naming the job, so a checkpoint error says which job could not be saved.
 *
 * @example
 * ```ts
 * const text = serialize(state, 'MemoryJobStore'); // JSON.stringify(state), or a SerializationError
 * ```
 */
export function serialize(state: JobState, where: string): string {
  try {
    return JSON.stringify(state);
  } catch (error) {
    throw new SerializationError(`${where}: job '${state.jobId}' cannot be saved as JSON: ${(error as Error)?.message ?? String(error)}`, { cause: error });
  }
}

/** `instanceof`, which throws on a revoked proxy (that is not a JobState either). */
function isJobState(value: unknown): value is JobState {
  try {
    return value instanceof JobState;
  } catch {
    return false;
  }
}

/** What a bad argument is, for the message: never throws (a throwing `constructor` getter, a revoked proxy). */
function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value !== 'object') return typeof value;
  try {
    const name: unknown = value.constructor?.name;
    return typeof name === 'string' && name !== '' ? name : 'an object';
  } catch {
    return describeValue(value);
  }
}
