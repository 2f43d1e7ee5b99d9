import type { JobStatus } from '../core/records.js';
import { JobState } from '../state/job-state.js';

/**
 * @internal A job's state with another status (and error): what a client shows between two
 * status messages, what a worker writes when it gives a job up. `error: null` clears it.
 *
 * @example
 * ```ts
 * withStatus(state, 'failed', { name: 'WorkerLostError', message: 'every owner died' });
 * ```
 */
export function withStatus(state: JobState, status: JobStatus, error?: { name: string; message: string } | null): JobState {
  // A failed job's timeout no longer counts (resumed, it gets the whole timeout again, as in place).
  const timeLeft = status === 'failed' ? undefined : state.timeLeft;
  return new JobState({ ...state, status, timeLeft, error: error === null ? undefined : (error ?? state.error) });
}

/**
 * @internal What a closing worker stores for a job it hands over: the state it paused the job
 * into, as running again, without that pause's point (another worker runs it on as if never paused).
 *
 * @example
 * ```ts
 * await store.saveWith(handedOver(job.state), write);
 * ```
 */
export function handedOver(paused: JobState): JobState {
  return new JobState({ ...paused, status: 'running', pausePoints: paused.pausePoints.slice(0, -1) });
}

/**
 * @internal What a closing worker stores for a job a client paused while its work was in flight,
 * when that work did not settle by the close deadline: still paused, the abandoned activations
 * queued first (they run again on resume, before the rest) instead of listed as running, since
 * nothing runs them now (a client's `pause()` settles on it, as on any settled pause).
 *
 * @example
 * ```ts
 * await store.saveWith(parkedPause(job.state), write);
 * ```
 */
export function parkedPause(paused: JobState): JobState {
  if (paused.runningTasks.length === 0) return paused;
  return new JobState({ ...paused, runningTasks: [], pendingTasks: [...paused.runningTasks, ...paused.pendingTasks] });
}

/**
 * @internal The state of a job nothing has happened to yet (a client's view before the first
 * status message; what a worker stores for a job it refuses before it ran).
 *
 * @example
 * ```ts
 * blankState('order-17', 'orders', 'pending', Date.now());
 * ```
 */
export function blankState(jobId: string, flowId: string, status: JobStatus, now: number): JobState {
  // The empty containers are frozen and shared: a new snapshot only sets the scalar fields.
  return new JobState({ ...(template ??= makeTemplate()), jobId, flowId, status, createdAt: now, updatedAt: now });
}

let template: JobState | undefined;

function makeTemplate(): JobState {
  return JobState.fromJSON({
    format: 'routilux.job',
    version: 1,
    jobId: '',
    flowId: '',
    status: 'pending',
    createdAt: 0,
    updatedAt: 0,
    routineStates: {},
    slotData: {},
    pendingTasks: [],
    runningTasks: [],
    executionHistory: [],
    pausePoints: [],
    deferredEvents: [],
    sharedData: {},
    outputLog: [],
  });
}
