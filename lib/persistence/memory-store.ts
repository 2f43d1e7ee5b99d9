import { ConfigurationError, SerializationError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import { storeErrorOf } from './store-error-of.js';

/**
 * A {@link JobStore} in memory, for tests and for processes that only need pause/resume
 * within their own lifetime.
 *
 * Snapshots are kept as JSON text, not as objects: a save fails at once when a payload cannot
 * be serialized (exactly as a durable store would), and every `load` parses a fresh,
 * independent copy, so nothing a caller does to one loaded state can leak into another.
 * Errors are typed like a durable store's: bad input is a {@link ConfigurationError}, a state
 * JSON cannot carry a {@link SerializationError}, anything else (say the `RangeError` of a Map
 * past its size limit) a {@link StoreError} naming the job; a refused call changes nothing.
 *
 * @example
 * ```ts
 * const store = new MemoryJobStore();
 * const flow = new Flow({ flowId: 'orders', store, checkpoint: 'on-pause' });
 * const job = flow.start('source', { n: 3 });
 * await job.pause('review');
 * await flow.checkpointsFlushed();
 * const copy = await store.load(job.jobId);   // a JobState parsed from the saved text
 * ```
 */
export class MemoryJobStore implements JobStore {
  private readonly texts = new Map<string, string>();

  /**
   * Keeps `state` as JSON text under its job id, replacing any earlier snapshot.
   *
   * @throws {ConfigurationError} (rejects) for anything but a JobState; {@link SerializationError}
   * for a state JSON cannot carry; {@link StoreError} for any other failure. Nothing is changed then.
   * @example
   * ```ts
   * await store.save(job.state);
   * ```
   */
  save(state: JobState): Promise<void> {
    let jobId: string;
    let text: string;
    try {
      jobId = checkState(state, 'MemoryJobStore.save');
      // Serialized now, not later: the store must hold this snapshot even if the caller keeps going.
      text = serialize(state, 'MemoryJobStore');
    } catch (error) {
      return Promise.reject(error);
    }
    try {
      this.texts.set(jobId, text);
    } catch (error) {
      return Promise.reject(storeErrorOf(error, `MemoryJobStore: cannot save job '${jobId}'`, { jobId }));
    }
    return Promise.resolve();
  }

  /**
   * A fresh copy of the latest snapshot of `jobId`, or `undefined` when there is none.
   *
   * @throws {ConfigurationError} (rejects) for an id that is not a string.
   * @example
   * ```ts
   * const state = await store.load('order-17');
   * if (state) flow.resume(state);
   * ```
   */
  load(jobId: string): Promise<JobState | undefined> {
    try {
      checkId(jobId, 'MemoryJobStore.load');
      const text = this.texts.get(jobId);
      return Promise.resolve(text === undefined ? undefined : JobState.fromJSON(text));
    } catch (error) {
      return Promise.reject(storeErrorOf(error, `MemoryJobStore: cannot load job '${String(jobId)}'`, { jobId }));
    }
  }

  /**
   * The ids of every stored job, in insertion order.
   *
   * @example
   * ```ts
   * for (const id of await store.list()) console.log(id);
   * ```
   */
  list(): Promise<string[]> {
    return Promise.resolve([...this.texts.keys()]);
  }

  /**
   * Forgets `jobId`; an unknown id is a no-op.
   *
   * @example
   * ```ts
   * await store.delete('order-17');
   * ```
   */
  delete(jobId: string): Promise<void> {
    try {
      checkId(jobId, 'MemoryJobStore.delete');
      this.texts.delete(jobId);
      return Promise.resolve();
    } catch (error) {
      return Promise.reject(error);
    }
  }
}

/**
 * @internal Rejects anything that is not a JobState, naming the caller; returns its job id.
 *
 * @example
 * ```ts
 * const jobId = checkState(state, 'FileJobStore.save');
 * ```
 */
export function checkState(state: unknown, where: string): string {
  if (!(state instanceof JobState)) {
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

function describe(value: unknown): string {
  if (value === null) return 'null';
  if (typeof value === 'object') return value.constructor?.name ?? 'an object';
  return typeof value;
}
