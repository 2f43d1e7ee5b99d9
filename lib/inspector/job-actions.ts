import { ConfigurationError, JobStateError } from '../errors/errors.js';
import type { Job } from '../flow/job.js';
import type { InspectorHub } from './inspector-hub.js';

/** What the inspector's buttons do. @example `const action: JobAction = 'retry';` */
export type JobAction = 'pause' | 'resume' | 'cancel' | 'retry';

/** @internal The actions a route accepts. @example `JOB_ACTIONS.includes('pause') // true` */
export const JOB_ACTIONS: readonly JobAction[] = ['pause', 'resume', 'cancel', 'retry'];

/**
 * @internal Applies a button to a job and returns its status right after. A job of a watched
 * flow in this process takes all four (`retry` only when it failed); a job that is only in
 * the store can be resumed or retried, on its flow, which needs a store of its own (the
 * resumed job checkpoints there, under its lease).
 *
 * @throws {ConfigurationError} for an unknown flow or job.
 * @throws {JobStateError} when the job's status does not allow the action.
 * @example
 * ```ts
 * await applyJobAction(hub, 'orders', 'job-7', 'pause'); // 'paused'
 * ```
 */
export async function applyJobAction(hub: InspectorHub, flowId: string, jobId: string, action: JobAction): Promise<string> {
  const flow = hub.flow(flowId);
  if (flow === undefined) throw new ConfigurationError(`no flow '${flowId}' in this inspector`);
  const live = flow.getJob(jobId);
  if (live !== undefined) return act(live, jobId, action);
  const settled = hub.liveJob(flowId, jobId)?.state.status;
  if (settled !== undefined) throw new JobStateError(`cannot ${action} job '${jobId}': it is ${settled}`);
  const stored = await hub.storedState(jobId);
  if (stored === undefined || stored.flowId !== flowId) throw new ConfigurationError(`no job '${jobId}' of flow '${flowId}' in this process or in the store`);
  if (action === 'pause' || action === 'cancel') {
    throw new JobStateError(`cannot ${action} job '${jobId}': it does not run in this process (it is ${stored.status}; resume it here first, or use \`routilux jobs cancel\`)`);
  }
  if (action === 'retry' && stored.status !== 'failed') throw new JobStateError(`cannot retry job '${jobId}': it is ${stored.status}, not failed`);
  if (flow.store === undefined) throw new JobStateError(`cannot ${action} stored job '${jobId}': flow '${flowId}' has no store to run it with`);
  const job = await flow.resumeStored(jobId);
  hub.storedChanged();
  return job.state.status;
}

async function act(job: Job, jobId: string, action: JobAction): Promise<string> {
  const before = job.state.status;
  if (action === 'pause') {
    const pausing = job.pause('paused from the inspector');
    // Refused: rejects at once. Allowed: paused now; it resolves once in-flight work settled.
    if (job.state.status !== 'paused' || before === 'paused') await pausing;
    else pausing.catch(() => undefined);
  } else if (action === 'cancel') await job.cancel('cancelled from the inspector');
  else {
    if (action === 'retry' && before !== 'failed') throw new JobStateError(`cannot retry job '${jobId}': it is ${before}, not failed`);
    job.resume();
  }
  return job.state.status;
}
