import { Immer, type Draft } from 'immer';
import { JobState, freezeState, type JobStateFields } from '../state/job-state.js';
import type { JobRuntime } from './job-runtime.js';
import type { PendingTask, RoutineState } from '../core/records.js';
import type { Payload } from '../core/payload.js';

/**
 * Snapshots are made by immer from the previous one, so unchanged routine states, slot data
 * and lists are shared between snapshots. Auto-freeze is off because immer would deep-freeze
 * the users' payloads; instead every container Routilux owns is frozen before it goes in
 * (which also stops immer from walking into it).
 */
const immer = new Immer({ autoFreeze: false });

/** @internal What the last snapshot already contains, so the next one only copies changes. */
export class SnapshotMarks {
  historyTotal = -1;
  outputs = -1;
  pausePoints = -1;
  deferred = -1;
  shared = -1;
  hadTasks = true;
}

/** @internal Makes the next snapshot of `job`, sharing what did not change with `previous`. */
export function takeSnapshot(job: JobRuntime, previous: JobState | undefined, marks: SnapshotMarks): JobState {
  if (previous === undefined) {
    const state = new JobState(fullFields(job));
    markAll(job, marks);
    return state;
  }
  const next = immer.produce(previous, (draft: Draft<JobState>) => {
    draft.status = job.status;
    draft.updatedAt = job.updatedAt;
    for (const run of job.dirtyRuns) {
      run.dirty = false;
      draft.routineStates[run.routine.id] = run.view() as Draft<RoutineState>;
    }
    job.dirtyRuns.length = 0;
    for (const cell of job.dirtyCells) {
      cell.dirty = false;
      if (cell.data === undefined) delete draft.slotData[cell.slot.key];
      else draft.slotData[cell.slot.key] = cell.data as Draft<Payload>;
    }
    job.dirtyCells.length = 0;
    const hasTasks = job.hasTasks();
    if (hasTasks || marks.hadTasks) {
      draft.pendingTasks = frozen(pendingViews(job)) as Draft<PendingTask>[];
      draft.runningTasks = frozen(runningViews(job)) as Draft<PendingTask>[];
      const failed = job.failedTask?.view();
      if (failed !== undefined) draft.failedTask = failed as Draft<PendingTask>;
      else delete draft.failedTask;
      marks.hadTasks = hasTasks;
    }
    if (job.history.total !== marks.historyTotal) {
      draft.executionHistory = frozen(job.history.toArray()) as Draft<JobState['executionHistory']>;
      marks.historyTotal = job.history.total;
    }
    if (job.outputLog.length !== marks.outputs) {
      draft.outputLog = frozen(job.outputLog.slice()) as Draft<JobState['outputLog']>;
      marks.outputs = job.outputLog.length;
    }
    if (job.pausePoints.length !== marks.pausePoints) {
      draft.pausePoints = frozen(job.pausePoints.slice()) as Draft<JobState['pausePoints']>;
      marks.pausePoints = job.pausePoints.length;
    }
    if (job.deferredVersion !== marks.deferred) {
      draft.deferredEvents = frozen(job.deferred.slice()) as Draft<JobState['deferredEvents']>;
      marks.deferred = job.deferredVersion;
    }
    if (job.sharedVersion !== marks.shared) {
      draft.sharedData = Object.freeze({ ...job.shared });
      marks.shared = job.sharedVersion;
    }
    if (job.error !== undefined) draft.error = Object.freeze({ ...job.error });
    else delete draft.error;
  });
  if (next !== previous) freezeState(next);
  return next;
}

function fullFields(job: JobRuntime): JobStateFields {
  const routineStates: Record<string, RoutineState> = {};
  for (const run of job.runs.values()) {
    run.dirty = false;
    routineStates[run.routine.id] = run.view();
  }
  job.dirtyRuns.length = 0;
  const slotData: Record<string, Payload> = {};
  for (const cell of job.cells.values()) {
    cell.dirty = false;
    if (cell.data !== undefined) slotData[cell.slot.key] = cell.data;
  }
  job.dirtyCells.length = 0;
  const failed = job.failedTask?.view();
  return {
    jobId: job.id,
    flowId: job.flow.flowId,
    status: job.status,
    createdAt: job.createdAt,
    updatedAt: job.updatedAt,
    routineStates,
    slotData,
    pendingTasks: pendingViews(job),
    runningTasks: runningViews(job),
    ...(failed === undefined ? {} : { failedTask: failed }),
    executionHistory: job.history.toArray(),
    pausePoints: job.pausePoints.slice(),
    deferredEvents: job.deferred.slice(),
    sharedData: { ...job.shared },
    outputLog: job.outputLog.slice(),
    ...(job.error === undefined ? {} : { error: { ...job.error } }),
  };
}

function markAll(job: JobRuntime, marks: SnapshotMarks): void {
  marks.historyTotal = job.history.total;
  marks.outputs = job.outputLog.length;
  marks.pausePoints = job.pausePoints.length;
  marks.deferred = job.deferredVersion;
  marks.shared = job.sharedVersion;
  marks.hadTasks = job.hasTasks();
}

/** Queued work in order: retries waiting for their backoff, then the queue (or the parked list). */
function pendingViews(job: JobRuntime): PendingTask[] {
  const out: PendingTask[] = [];
  for (const t of job.waiting) out.push(t.view());
  for (const t of job.parked) out.push(t.view());
  job.dispatcher.queue.viewsOf(job, out);
  return out;
}

/** Work in flight: activations interrupted by a failure (they run again on resume), then the running ones. */
function runningViews(job: JobRuntime): PendingTask[] {
  const out: PendingTask[] = [];
  for (const t of job.interrupted) out.push(t.view());
  for (const a of job.inflight) out.push(a.task.view());
  return out;
}

function frozen<T extends object>(items: T[]): readonly T[] {
  for (let i = 0; i < items.length; i++) Object.freeze(items[i]);
  return Object.freeze(items);
}
