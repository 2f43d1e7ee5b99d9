import type { JobState } from '../state/job-state.js';
import type { JobError, JobStatus } from '../core/records.js';
import { toDisplay } from './display-value.js';

/**
 * A job as the inspector's list shows it. `source` says where it was read: `live` (a job of
 * a watched flow in this process) or `stored` (only in the store).
 *
 * @example
 * ```ts
 * const row: JobSummaryView = jobSummaryView(job.state, 'live');
 * ```
 */
export interface JobSummaryView {
  readonly flowId: string;
  readonly jobId: string;
  readonly status: JobStatus;
  readonly source: 'live' | 'stored';
  readonly createdAt: number;
  readonly updatedAt: number;
  /** Attempts started (retries included), over all routines. */
  readonly activations: number;
  readonly queued: number;
  readonly running: number;
  readonly error?: JobError;
}

/**
 * One job in detail, every payload made JSON-safe with {@link toDisplay}: routine states, slot
 * data, queued and running tasks, the newest history records, pause points and shared data.
 *
 * @example
 * ```ts
 * res.end(JSON.stringify(jobDetailView(state, 'stored')));
 * ```
 */
export interface JobDetailView extends JobSummaryView {
  readonly routineStates: Readonly<Record<string, unknown>>;
  readonly slotData: unknown;
  readonly pendingTasks: readonly unknown[];
  readonly runningTasks: readonly unknown[];
  readonly history: readonly unknown[];
  readonly historyLength: number;
  readonly pausePoints: readonly unknown[];
  readonly sharedData: unknown;
  readonly outputs: number;
}

/** The list row of a job. @example `jobSummaryView(state, 'stored').queued` */
export function jobSummaryView(state: JobState, source: 'live' | 'stored'): JobSummaryView {
  let activations = 0;
  for (const id in state.routineStates) activations += state.routineStates[id].activations;
  return {
    flowId: state.flowId,
    jobId: state.jobId,
    status: state.status,
    source,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    activations,
    queued: state.pendingTasks.length,
    running: state.runningTasks.length,
    ...(state.error !== undefined ? { error: state.error } : {}),
  };
}

/**
 * The detail of a job; lists are cut to their newest `limit` entries (history) or first
 * `limit` (tasks), so a job with a long queue stays cheap to show.
 *
 * @example
 * ```ts
 * jobDetailView(state, 'live', 50).history.length; // at most 50
 * ```
 */
export function jobDetailView(state: JobState, source: 'live' | 'stored', limit = 50): JobDetailView {
  const limits = { depth: 5, items: 50, string: 500 };
  const task = (t: JobState['pendingTasks'][number]) => ({ routineId: t.routineId, slotName: t.slotName, attempt: t.attempt, seq: t.seq, data: toDisplay(t.data, limits) });
  return {
    ...jobSummaryView(state, source),
    routineStates: toDisplay(state.routineStates, limits) as Record<string, unknown>,
    slotData: toDisplay(state.slotData, limits),
    pendingTasks: state.pendingTasks.slice(0, limit).map(task),
    runningTasks: state.runningTasks.slice(0, limit).map(task),
    history: state.executionHistory.slice(-limit).map((h) => ({ routineId: h.routineId, eventName: h.eventName, timestamp: h.timestamp, data: toDisplay(h.data, limits) })),
    historyLength: state.executionHistory.length,
    pausePoints: state.pausePoints.map((p) => toDisplay(p, limits)),
    sharedData: toDisplay(state.sharedData, limits),
    outputs: state.outputLog.length,
  };
}
