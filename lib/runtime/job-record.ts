import type { InspectRecord } from '../core/inspect-records.js';
import type { JobError, JobStatus } from '../core/records.js';

/**
 * @internal The `job` record of `flow.inspect$` for a status change; a failed job's carries
 * its error, so a watcher (a trace, the inspector) can say why without reading a snapshot.
 *
 * @example
 * ```ts
 * owner.inspect(jobRecord('j1', 'failed', now, { name: 'TypeError', message: 'x is undefined', routineId: 'parse' }));
 * ```
 */
export function jobRecord(jobId: string, status: JobStatus, timestamp: number, error: JobError | undefined): InspectRecord {
  return status === 'failed' && error !== undefined ? { type: 'job', jobId, status, timestamp, error } : { type: 'job', jobId, status, timestamp };
}
