import { Immer, original } from 'immer';
import { JobState } from '../state/job-state.js';
import { EMPTY_LIST, EMPTY_RECORD, isEmptyRecord } from '../state/frozen-empties.js';
import { JOB_STATE_FIELD_NAMES, freezeFields, type JobStateField } from '../state/job-state-fields.js';
import type { PendingTask } from '../core/records.js';
import type { JobRuntime } from './job-runtime.js';
import { policiesView } from './policy-cells.js';
import { SharedRecords, type SharedRecordCursor } from './shared-record.js';
import type { RoutineState } from '../core/records.js';

/**
 * Snapshots are made by immer from the previous one, so unchanged routine states, slot data
 * and lists are shared between snapshots. Auto-freeze is off because immer would deep-freeze
 * the users' payloads; instead every container Routilux owns is frozen before it goes in
 * (which also stops immer from walking into it).
 */
const immer = new Immer({ autoFreeze: false });

/**
 * @internal What the last snapshot already contains, so the next one only copies changes.
 *
 * @example
 * ```ts
 * const marks = new SnapshotMarks(); let last = takeSnapshot(job, undefined, marks); // a job's JobObservers is its marks
 * ```
 */
export class SnapshotMarks {
  historyTotal = -1;
  outputCount = -1;
  pausePoints = -1;
  deferred = -1;
  shared = -1;
  hadTasks = true;
  flush = -1;
  tracker = -1;
  operators = -1;
  policies = -1;
  /** Set for one snapshot: whether the task lists must be rebuilt. */
  tasksDue = true;
}

/** A snapshot under construction: the plain first one, or an immer draft of the previous one. */
type Target = { -readonly [K in JobStateField]?: unknown };

/** Writes one field into the target when it changed (always when `first`). */
type Writer = (job: JobRuntime, out: Target, marks: SnapshotMarks, first: boolean) => void;

/**
 * How each JobState field is taken from a job's mutable state: one writer per declared field,
 * so a field added to the declaration does not compile until it has one here.
 */
const WRITERS: { readonly [K in JobStateField]-?: Writer } = {
  jobId: (job, out, _m, first) => void (first && (out.jobId = job.id)),
  flowId: (job, out, _m, first) => void (first && (out.flowId = job.owner.flowId)),
  status: (job, out) => void (out.status = job.status),
  createdAt: (job, out, _m, first) => void (first && (out.createdAt = job.createdAt)),
  updatedAt: (job, out) => void (out.updatedAt = job.clock.now()), // a snapshot's time: the job keeps none of its own (a field and a boxed number per job)
  routineStates: (job, out, _m, first) => {
    const dirty = job.dirtyRuns;
    if (first) out.routineStates = firstRoutineStates(job);
    else if (dirty.length > 0) {
      const base = baseOf(out).routineStates as Record<string, unknown>;
      let states: Record<string, unknown> | undefined;
      for (let i = 0; i < dirty.length; i++) {
        const run = dirty[i];
        run.dirty = false;
        const view = run.view();
        if (states === undefined && base[run.routine.id] === view) continue; // unchanged: the record stays the same object
        (states ??= { ...base })[run.routine.id] = view;
      }
      if (states !== undefined) out.routineStates = Object.freeze(states);
    }
    clear(dirty);
  },
  slotData: (job, out, _m, first) => {
    const dirty = job.dirtyCells;
    if (first) {
      const data: Record<string, unknown> = (out.slotData = {});
      for (let cell = job.firstCell; cell !== undefined; cell = cell.next) {
        cell.dirty = false;
        if (cell.data !== undefined) data[cell.slot.key] = cell.data;
      }
    } else if (dirty.length > 0) {
      const base = baseOf(out).slotData as Record<string, unknown>;
      let data: Record<string, unknown> | undefined;
      for (let i = 0; i < dirty.length; i++) {
        const cell = dirty[i];
        cell.dirty = false;
        const key = cell.slot.key;
        if (cell.data !== undefined) {
          if (data === undefined && base[key] === cell.data && Object.hasOwn(base, key)) continue;
          (data ??= { ...base })[key] = cell.data;
        } else if (data !== undefined || Object.hasOwn(base, key)) delete (data ??= { ...base })[key];
      }
      if (data !== undefined) out.slotData = Object.freeze(data);
    }
    clear(dirty);
  },
  pendingTasks: (job, out, marks) => void (marks.tasksDue && (out.pendingTasks = frozen(pendingViews(job)))),
  runningTasks: (job, out, marks) => void (marks.tasksDue && (out.runningTasks = frozen(runningViews(job)))),
  failedTask: (job, out, marks, first) => {
    if (!marks.tasksDue) return;
    const failed = job.work.failedTask?.view();
    if (failed !== undefined) out.failedTask = failed;
    else if (!first) delete out.failedTask; // a delete is a runtime call: a first snapshot has nothing to delete
  },
  executionHistory: (job, out, marks) => {
    if (job.history.total === marks.historyTotal) return;
    out.executionHistory = job.history.total === 0 || job.history.limit === 0 ? EMPTY_LIST : job.history.toArray();
    marks.historyTotal = job.history.total;
  },
  pausePoints: (job, out, marks) => {
    const points = job.pausePoints;
    // While paused, the current pause point counts what the snapshot lists as pending: tasks
    // parked after the pause (emits of activations still running then, a failure parked for
    // resume) are counted too, so the record never contradicts its snapshot.
    if (job.status === 'paused' && points.length > 0) {
      const last = points[points.length - 1];
      const pending = job.work.waitingCount + job.work.parked.length + job.work.queued;
      if (last.pendingCount !== pending) {
        points[points.length - 1] = { ...last, pendingCount: pending };
        marks.pausePoints = -1;
      }
    }
    if (points.length === marks.pausePoints) return;
    out.pausePoints = points.length === 0 ? EMPTY_LIST : frozen(points.slice());
    marks.pausePoints = points.length;
  },
  deferredEvents: (job, out, marks) => {
    if (job.deferredVersion === marks.deferred) return;
    out.deferredEvents = job.deferred.length === 0 ? EMPTY_LIST : frozen(job.deferred.slice());
    marks.deferred = job.deferredVersion;
  },
  sharedData: (job, out, marks) => {
    if (job.sharedVersion === marks.shared) return;
    out.sharedData = isEmptyRecord(job.shared) ? EMPTY_RECORD : Object.freeze({ ...job.shared });
    marks.shared = job.sharedVersion;
  },
  activationSeq: (job, out) => void (out.activationSeq = job.lastSeq),
  operators: (job, out, marks) => {
    if (job.operatorsVersion === marks.operators) return;
    marks.operators = job.operatorsVersion;
    if (job.operators === undefined) return void (out.operators = EMPTY_RECORD); // no record to make and drop
    const states: Record<string, unknown> = {};
    for (const [routine, log] of job.operators) if (log.live) states[routine.id] = log.view();
    out.operators = isEmptyRecord(states) ? EMPTY_RECORD : Object.freeze(states);
  },
  tracker: (job, out, marks) => {
    if (job.tracker.version === marks.tracker) return;
    out.tracker = job.tracker.toState();
    marks.tracker = job.tracker.version;
  },
  flushDue: (job, out, marks) => {
    if (job.flushVersion === marks.flush) return;
    const due: string[] = [];
    if (job.flushesDue > 0) for (let run = job.firstRun; run !== undefined; run = run.nextRun) if (run.flushDue) due.push(run.routine.id);
    out.flushDue = due.length === 0 ? EMPTY_LIST : Object.freeze(due);
    marks.flush = job.flushVersion;
  },
  policies: (job, out, marks, first) => {
    const policies = job.policies;
    if (first) {
      out.policies = policiesView(policies);
      marks.policies = policies?.version ?? -1;
      return;
    }
    if (policies === undefined || policies.version === marks.policies) return;
    policies.writeDirty(out.policies as Record<string, never>);
    marks.policies = policies.version;
  },
  outputLog: (job, out, marks) => {
    if (job.outputLog.length === marks.outputCount) return;
    out.outputLog = job.outputLog.length === 0 ? EMPTY_LIST : frozen(job.outputLog.slice());
    marks.outputCount = job.outputLog.length;
  },
  open: (job, out) => void (out.open = job.work.openHold),
  timeout: (job, out, _m, first) => {
    if (first && job.timeout !== undefined && job.timeout !== job.owner.executionTimeout) out.timeout = job.timeout;
  },
  timeLeft: (job, out, _m, first) => {
    const left = job.deadline?.remaining();
    if (left !== undefined) out.timeLeft = left;
    else if (!first) delete out.timeLeft;
  },
  error: (job, out, _m, first) => {
    if (job.error !== undefined) out.error = Object.freeze({ ...job.error });
    else if (!first) delete out.error;
  },
};

/** The writers in field order, as a list: looking each up by name was a megamorphic keyed load per field per snapshot. */
const WRITER_LIST: readonly Writer[] = JOB_STATE_FIELD_NAMES.map((name) => WRITERS[name]);

function writeAll(job: JobRuntime, out: Target, marks: SnapshotMarks, first: boolean): void {
  const hasTasks = job.work.hasTasks();
  marks.tasksDue = first || hasTasks || marks.hadTasks;
  for (let i = 0; i < WRITER_LIST.length; i++) WRITER_LIST[i](job, out, marks, first);
  marks.hadTasks = hasTasks;
}

/**
 * @internal Makes the next snapshot of `job`, sharing what did not change with `previous`.
 *
 * @example
 * ```ts
 * last = takeSnapshot(job, last, marks);
 * ```
 */
export function takeSnapshot(job: JobRuntime, previous: JobState | undefined, marks: SnapshotMarks): JobState {
  if (previous === undefined) {
    const first = JobState._build((target) => writeAll(job, target as Target, marks, true));
    job.diffing = true; // from now on, changed runs and cells are listed for the next one
    return first;
  }
  const next = immer.produce(previous, (draft) => writeAll(job, draft as Target, marks, false));
  if (next === previous) return previous;
  const copy = JobState._copy(next); // (immer's own copy is left unfrozen: it is dropped)
  freezeFields(copy, previous);
  return copy;
}

/**
 * The snapshot a draft was made from (immer's `original`). Records changed key by key (routine
 * states, slot data) are copied from it and put in the draft whole and frozen, as every other
 * container is: a nested draft per record cost a proxy, a trap per key and a walk to finish.
 */
const baseOf = (out: Target): JobState => original(out) as JobState;

/** Routine states made of shared views are shared too (see SharedRecords), per the job's first routine. */
const sharedStates = new SharedRecords<RoutineState>();

/** The first snapshot's routine states: the kept record when this job's views are its views, else its own. */
function firstRoutineStates(job: JobRuntime): Readonly<Record<string, RoutineState>> {
  let anchor: object | undefined;
  let cursor: SharedRecordCursor<RoutineState> | undefined;
  for (let run = job.firstRun; run !== undefined; run = run.nextRun) {
    if (anchor === undefined) cursor = sharedStates.start((anchor = run.routine));
    if (cursor === undefined || !cursor.next(run.routine.id, run.sharedView())) break;
  }
  const kept = cursor?.result();
  if (kept !== undefined) return kept;
  const states: Record<string, RoutineState> = {};
  let shared = anchor !== undefined;
  for (let run = job.firstRun; run !== undefined; run = run.nextRun) {
    run.dirty = false;
    const view = run.sharedView();
    if (view === undefined) shared = false;
    states[run.routine.id] = view ?? run.view();
  }
  if (!shared) return states;
  const ids: string[] = [];
  const views: RoutineState[] = [];
  for (const id in states) {
    ids.push(id);
    views.push(states[id]);
  }
  return sharedStates.keep(anchor!, ids, views, states);
}

/** Queued work in order: retries waiting for their backoff, then the parked list, then the queue. */
function pendingViews(job: JobRuntime): PendingTask[] {
  const work = job.work;
  if (work.queued === 0 && work.parked.length === 0 && work.waitingCount === 0) return NO_TASKS; // a settling job's: no list to make and drop
  const out: PendingTask[] = [];
  if (job.work.waitingCount > 0) for (const t of job.work.waiting) out.push(t.view());
  for (const t of job.work.parked) out.push(t.view());
  job.dispatcher.queue.viewsOf(job, out);
  return out;
}

/** Work in flight: activations interrupted by a failure (they run again on resume), then the running ones. */
function runningViews(job: JobRuntime): PendingTask[] {
  if (job.work.interrupted.length === 0 && job.work.inflightCount === 0) return NO_TASKS;
  const out: PendingTask[] = [];
  for (const t of job.work.interrupted) out.push(t.view());
  if (job.work.inflightCount > 0) for (const a of job.work.inflight) out.push(a.task.view());
  return out;
}

/** No tasks: the shared empty list, which `frozen` passes through untouched. */
const NO_TASKS = EMPTY_LIST as unknown as PendingTask[];

function frozen<T extends object>(items: T[]): readonly T[] {
  if (items.length === 0) return EMPTY_LIST;
  for (let i = 0; i < items.length; i++) Object.freeze(items[i]);
  return Object.freeze(items);
}

/** Empties a dirty list in place (pops: setting `length` is a runtime call, slow for a few entries). */
function clear(list: unknown[]): void {
  for (let n = list.length; n > 0; n--) list.pop();
}
