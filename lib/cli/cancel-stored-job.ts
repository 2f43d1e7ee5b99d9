import { ConfigurationError, JobStateError } from '../errors/errors.js';
import type { Flow } from '../flow/flow.js';
import type { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import type { FileJobStore } from '../persistence/file-store.js';

const LEASE_MS = 60_000;

/**
 * Cancels a stored job that runs nowhere: takes its lease (so no process runs it meanwhile),
 * restores it paused on its flow, cancels it, and saves the cancelled state. The flow gets the
 * store without its lease methods, as the lease is this function's: a flow that leases lets a
 * restored, paused job's lease go at once, and would then not save what a cancel changed.
 *
 * @throws {JobStateError} when another owner holds the lease, or the job is already completed or cancelled.
 * @throws {ConfigurationError} when the store has no such job.
 * @example
 * ```ts
 * await cancelStoredJob(store, 'order-17', 'duplicate order', (s) => loadFlow('flow.json', { cwd, store: s }));
 * ```
 */
export async function cancelStoredJob(store: FileJobStore, jobId: string, reason: string, flowOn: (store: JobStore) => Flow): Promise<JobState> {
  const owner = `routilux-cli-${process.pid}`;
  if (!(await store.acquire(jobId, owner, LEASE_MS))) {
    const lease = await store.leaseOf(jobId);
    throw new JobStateError(`cannot cancel job '${jobId}': it is leased by ${lease === undefined ? 'another owner' : `'${lease.owner}' until ${new Date(lease.expiresAt).toISOString()}`}`);
  }
  try {
    const state = await store.load(jobId);
    if (state === undefined) throw new ConfigurationError(`no job '${jobId}' in ${store.directory}`);
    if (state.status === 'completed' || state.status === 'cancelled') throw new JobStateError(`cannot cancel job '${jobId}': it is ${state.status}`);
    const unleased: JobStore = { save: (s) => store.save(s), load: (id) => store.load(id), list: () => store.list(), delete: (id) => store.delete(id) };
    const flow = flowOn(unleased);
    const cancelled = await flow.restore(state).cancel(reason);
    await flow.checkpointsFlushed({ timeout: 30_000 });
    return cancelled;
  } finally {
    await store.release(jobId, owner);
  }
}
