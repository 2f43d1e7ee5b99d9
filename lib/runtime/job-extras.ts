import type { DeferredEvent, JobError, OutputRecord, PausePoint } from '../core/records.js';
import type { Routine } from '../model/routine.js';
import type { OperatorLog } from '../model/operator-log.js';
import type { JobState } from '../state/job-state.js';
import type { JobDeadline } from './job-deadline.js';
import type { JobPolicies } from './policy-cells.js';
import type { RoutineRun, SlotCell } from './routine-run.js';
import { NO_ITEMS, NO_SHARED } from './no-items.js';

/**
 * @internal The parts of a job that most jobs never write: shared data, outputs, pause
 * points, deferred events, the error, operator logs, flushes, activation policies, the dirty
 * lists of a job snapshotted more than once, idle waiters, the abort controller, the
 * execution deadline and the causes kept while `inspect$` is watched. One object made at the
 * first write (see {@link JobExtrasHost}), so a plain job carries one field for all of them
 * instead of eighteen: every live job pays 8 bytes per field, and when many jobs are in
 * flight at once every one of them is copied by each scavenge it lives through (issue 21).
 *
 * @example
 * ```ts
 * const extras = new JobExtras();
 * extras.pausePoints === NO_ITEMS; // true until the first pause point
 * ```
 */
export class JobExtras {
  // The lists and the shared record start as one frozen empty value (see NO_ITEMS): replaced
  // at their first write.
  shared: Record<string, unknown> = NO_SHARED;
  sharedVersion = 0;
  outputLog: OutputRecord[] = NO_ITEMS;
  pausePoints: PausePoint[] = NO_ITEMS;
  deferred: DeferredEvent[] = NO_ITEMS;
  deferredVersion = 0;
  error: JobError | undefined = undefined;
  operators: Map<Routine, OperatorLog> | undefined = undefined;
  operatorsVersion = 0;
  flushesDue = 0;
  flushVersion = 0;
  policies: JobPolicies | undefined = undefined;
  dirtyRuns: RoutineRun[] = NO_ITEMS;
  dirtyCells: SlotCell[] = NO_ITEMS;
  idleWaiters: Array<{ inside: boolean; resolve: (state: JobState) => void }> | undefined = undefined;
  controller: AbortController | undefined = undefined;
  deadline: JobDeadline | undefined = undefined;
  causes: Map<number, number> | undefined = undefined;
}

/** What every unwritten extra reads as: one frozen record shared by all jobs. */
const NONE: Readonly<JobExtras> = Object.freeze(new JobExtras());

/**
 * @internal The job's rarely written fields as accessors over its {@link JobExtras}: a read
 * of an unwritten one is the shared default, a write makes the job's own extras. The names
 * and types are those the fields had on the job, so the readers (snapshot builder, job
 * control, policies, restore) are unchanged.
 *
 * @example
 * ```ts
 * job.pausePoints.length; // 0, and no extras made
 * job.pausePoints = [point]; // the job's extras, made now
 * ```
 */
export abstract class JobExtrasHost {
  /** Undefined until the first write of a rarely written field. */
  private extras: JobExtras | undefined = undefined;

  /** The job's own extras, made at the first write. */
  protected more(): JobExtras {
    return (this.extras ??= new JobExtras());
  }

  get shared(): Record<string, unknown> { return (this.extras ?? NONE).shared; }
  set shared(v: Record<string, unknown>) { this.more().shared = v; }
  get sharedVersion(): number { return (this.extras ?? NONE).sharedVersion; }
  set sharedVersion(v: number) { this.more().sharedVersion = v; }
  get outputLog(): OutputRecord[] { return (this.extras ?? NONE).outputLog; }
  set outputLog(v: OutputRecord[]) { this.more().outputLog = v; }
  get pausePoints(): PausePoint[] { return (this.extras ?? NONE).pausePoints; }
  set pausePoints(v: PausePoint[]) { this.more().pausePoints = v; }
  get deferred(): DeferredEvent[] { return (this.extras ?? NONE).deferred; }
  set deferred(v: DeferredEvent[]) { this.more().deferred = v; }
  get deferredVersion(): number { return (this.extras ?? NONE).deferredVersion; }
  set deferredVersion(v: number) { this.more().deferredVersion = v; }
  get error(): JobError | undefined { return (this.extras ?? NONE).error; }
  set error(v: JobError | undefined) { this.more().error = v; }
  /** The operator routines' logs (see OperatorLog), made at first use, and a version the snapshot compares. */
  get operators(): Map<Routine, OperatorLog> | undefined { return (this.extras ?? NONE).operators; }
  set operators(v: Map<Routine, OperatorLog> | undefined) { this.more().operators = v; }
  get operatorsVersion(): number { return (this.extras ?? NONE).operatorsVersion; }
  set operatorsVersion(v: number) { this.more().operatorsVersion = v; }
  /** Routines whose flush is due, and a version the snapshot compares. */
  get flushesDue(): number { return (this.extras ?? NONE).flushesDue; }
  set flushesDue(v: number) { this.more().flushesDue = v; }
  get flushVersion(): number { return (this.extras ?? NONE).flushVersion; }
  set flushVersion(v: number) { this.more().flushVersion = v; }
  /** What the job's activation policies (joins, batches, windows, custom) hold: made at first use. */
  get policies(): JobPolicies | undefined { return (this.extras ?? NONE).policies; }
  set policies(v: JobPolicies | undefined) { this.more().policies = v; }
  /** Runs and cells changed since the last snapshot (listed only once a job has one: see `diffing`). */
  get dirtyRuns(): RoutineRun[] { return (this.extras ?? NONE).dirtyRuns; }
  set dirtyRuns(v: RoutineRun[]) { this.more().dirtyRuns = v; }
  get dirtyCells(): SlotCell[] { return (this.extras ?? NONE).dirtyCells; }
  set dirtyCells(v: SlotCell[]) { this.more().dirtyCells = v; }
  /** Behind every activation's signal; job-control aborts it at cancel/failure and renews it at resume. */
  get controller(): AbortController | undefined { return (this.extras ?? NONE).controller; }
  set controller(v: AbortController | undefined) { this.more().controller = v; }
  /** Only for a job with a timeout. */
  get deadline(): JobDeadline | undefined { return (this.extras ?? NONE).deadline; }
  protected set deadline(v: JobDeadline | undefined) { this.more().deadline = v; }
  /** The job's execution timeout in ms, if it has one (its deadline's). */
  get timeout(): number | undefined { return (this.extras ?? NONE).deadline?.ms; }
  /**
   * Only while `flow.inspect$` is watched (the queue itself carries no cause, so an unwatched
   * flow pays nothing): the activation (seq) whose emit queued each task (seq), reported as
   * `cause` when the task starts, dropped when it completes.
   */
  get causes(): Map<number, number> | undefined { return (this.extras ?? NONE).causes; }
  set causes(v: Map<number, number> | undefined) { this.more().causes = v; }
  /** Callers of `whenIdle` (a pause), made at first use. */
  protected get idleWaiters(): JobExtras['idleWaiters'] { return (this.extras ?? NONE).idleWaiters; }
  protected set idleWaiters(v: JobExtras['idleWaiters']) { this.more().idleWaiters = v; }
}
