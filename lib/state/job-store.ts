import type { JobState } from './job-state.js';

/**
 * Where job snapshots are persisted. `load` returns `undefined` for an unknown id.
 *
 * @example
 * ```ts
 * const store: JobStore = new FileJobStore('./jobs');
 * const flow = new Flow({ store, checkpoint: 'always' });
 * ```
 */
export interface JobStore {
  save(state: JobState): Promise<void>;
  load(jobId: string): Promise<JobState | undefined>;
  list(): Promise<string[]>;
  delete(jobId: string): Promise<void>;
}
