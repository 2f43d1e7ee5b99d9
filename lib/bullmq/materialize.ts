import type { Payload } from '../core/payload.js';
import { JobState } from '../state/job-state.js';
import type { Flow } from '../flow/flow.js';
import type { Job } from '../flow/job.js';
import { decodeValue, type ControlEntry, type WireJob } from './wire.js';

/** @internal The local job an owner runs, the commands still to apply, and the resume a failed job was brought back by. */
export interface Materialized {
  job: Job;
  rest: ControlEntry[];
  /** For a failed job: the resume command that runs it again (the commands before it are refused). */
  consumed?: ControlEntry;
}

/**
 * @internal The local job for a stored state, as the new owner must run it: taken over when it
 * was running (a crash or a handover: what was in flight runs again), restored paused when paused,
 * resumed at the first resume command when failed; started (or opened) from the delivery when
 * nothing is stored yet. Undefined when there is nothing to run (a settled job, a failed one
 * nobody resumes, a command that arrived before its job's start delivery).
 *
 * @throws {ConfigurationError} when the state or the start does not fit the flow.
 * @example
 * ```ts
 * const made = materialize(flow, 'order-17', data, await store.load('order-17'), entries);
 * ```
 */
export function materialize(flow: Flow, jobId: string, data: WireJob, state: JobState | undefined, entries: ControlEntry[]): Materialized | undefined {
  if (state === undefined) {
    const { kind, entry, timeout } = data;
    if (kind === 'open') return { job: flow.open({ jobId, timeout, runner: null }), rest: entries };
    if (kind !== 'start' || entry === undefined) return undefined; // a command before the start: the start delivery applies it
    const params = decodeValue(entry.params, `job '${jobId}' entry params`) as Payload;
    return { job: flow.start(entry.routineId, params, { jobId, slot: entry.slot, timeout, runner: null }), rest: entries };
  }
  const status = state.status;
  if (status === 'running' || status === 'pending') return { job: takeOver(flow, state), rest: entries };
  if (status === 'paused') return { job: flow.restore(state), rest: entries };
  const at = entries.findIndex((x) => x.command.op === 'resume');
  if (status !== 'failed' || at < 0) return undefined;
  // A failed job runs again from the first resume; pause and cancel before it reject (a failed job is settled).
  return { job: flow.resume(state), rest: entries.slice(at + 1), consumed: entries[at] };
}

/**
 * A running job taken over by a new owner (its last one crashed, or handed it over): it runs on
 * as `flow.resume` would run it, except that its deferred events still wait for the job's next
 * resume, as they would have without the crash (`flow.resume` emits them: a resume).
 */
function takeOver(flow: Flow, state: JobState): Job {
  const deferred = state.deferredEvents;
  if (deferred.length === 0) return flow.resume(state);
  const job = flow.resume(new JobState({ ...state, deferredEvents: [] }));
  const rt = job._runtime;
  rt.deferred = deferred.slice();
  rt.deferredVersion++;
  return job;
}

/**
 * @internal Drops an owner's local copy of a job it let go from the worker's flow, whatever its
 * status (a paused job stays registered until it ends; a failed one cannot be cancelled, so it
 * is resumed and cancelled at once: nothing dispatches in between). Its checkpoints must be
 * stopped first: this changes its status.
 *
 * @example
 * ```ts
 * dropLocal(job, report);
 * ```
 */
export function dropLocal(job: Job, report: (error: unknown) => void): void {
  const status = job._runtime.status; // (not job.state: no snapshot just to read it)
  try {
    if (status === 'failed') job.resume();
    if (status !== 'completed' && status !== 'cancelled') void job.cancel('let go by this worker').catch(() => undefined);
  } catch (error) {
    report(error);
  }
}
