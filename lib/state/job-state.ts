import { immerable } from 'immer';
import type { Payload } from '../core/payload.js';
import type {
  DeferredEvent,
  ExecutionRecord,
  JobError,
  JobStatus,
  OutputRecord,
  PausePoint,
  PendingTask,
  RoutineState,
} from '../core/records.js';
import { jobStateToJSON, jobStateFromJSON, registerJobStateClass, type JobStateJSON } from './job-state-json.js';

/**
 * The fields of a {@link JobState}, as plain data.
 *
 * @example
 * ```ts
 * const fields: JobStateFields = { ...state }; // every field, no methods
 * ```
 */
export interface JobStateFields {
  readonly jobId: string;
  readonly flowId: string;
  readonly status: JobStatus;
  readonly createdAt: number;
  readonly updatedAt: number;
  readonly routineStates: Readonly<Record<string, RoutineState>>;
  readonly slotData: Readonly<Record<string, Payload>>;
  readonly pendingTasks: readonly PendingTask[];
  readonly runningTasks: readonly PendingTask[];
  readonly failedTask?: PendingTask;
  readonly executionHistory: readonly ExecutionRecord[];
  readonly pausePoints: readonly PausePoint[];
  readonly deferredEvents: readonly DeferredEvent[];
  readonly sharedData: Readonly<Record<string, unknown>>;
  readonly outputLog: readonly OutputRecord[];
  readonly error?: JobError;
}

/**
 * The state of one job at one moment: frozen, never mutated in place. Every change makes a
 * new snapshot with immer, sharing unchanged parts with the previous one, so keeping many
 * snapshots is cheap. Payload objects inside are the ones your routines emitted and are not
 * frozen by Routilux (treat them as immutable).
 *
 * Beyond the design contract, a snapshot also carries `runningTasks` (activations in flight,
 * or interrupted by a failure: they run again on resume, at-least-once) and `failedTask`
 * (the activation that failed a job; `resume` re-runs it).
 *
 * @example
 * ```ts
 * const state = await flow.execute('source', { n: 3 });
 * state.status;                          // 'completed'
 * state.getRoutineState('sink')?.activations;
 * JobState.fromJSON(JSON.stringify(state)).jobId === state.jobId; // true
 * ```
 */
export class JobState implements JobStateFields {
  static readonly [immerable] = true;

  readonly jobId!: string;
  readonly flowId!: string;
  readonly status!: JobStatus;
  readonly createdAt!: number;
  readonly updatedAt!: number;
  readonly routineStates!: Readonly<Record<string, RoutineState>>;
  readonly slotData!: Readonly<Record<string, Payload>>;
  readonly pendingTasks!: readonly PendingTask[];
  readonly runningTasks!: readonly PendingTask[];
  readonly failedTask?: PendingTask;
  readonly executionHistory!: readonly ExecutionRecord[];
  readonly pausePoints!: readonly PausePoint[];
  readonly deferredEvents!: readonly DeferredEvent[];
  readonly sharedData!: Readonly<Record<string, unknown>>;
  readonly outputLog!: readonly OutputRecord[];
  readonly error?: JobError;

  /** Builds a frozen snapshot from plain fields (containers are frozen, payloads are not). */
  constructor(fields: JobStateFields) {
    Object.assign(this, fields);
    if (this.failedTask === undefined) delete (this as { failedTask?: unknown }).failedTask;
    if (this.error === undefined) delete (this as { error?: unknown }).error;
    freezeState(this);
  }

  /**
   * One routine's state in this job.
   *
   * @example
   * ```ts
   * state.getRoutineState('parse')?.status; // 'completed'
   * ```
   */
  getRoutineState(routineId: string): RoutineState | undefined {
    return Object.prototype.hasOwnProperty.call(this.routineStates, routineId) ? this.routineStates[routineId] : undefined;
  }

  /**
   * The history, or only one routine's part of it.
   *
   * @example
   * ```ts
   * state.getExecutionHistory('parse').length;
   * ```
   */
  getExecutionHistory(routineId?: string): readonly ExecutionRecord[] {
    return routineId === undefined ? this.executionHistory : this.executionHistory.filter((r) => r.routineId === routineId);
  }

  /**
   * A shared value set with `ctx.setSharedData`, or `defaultValue`.
   *
   * @example
   * ```ts
   * state.getSharedData<number>('total', 0);
   * ```
   */
  getSharedData<V = unknown>(key: string, defaultValue?: V): V {
    return (Object.prototype.hasOwnProperty.call(this.sharedData, key) ? this.sharedData[key] : defaultValue) as V;
  }

  /**
   * `{ format: 'routilux.job', version: 1, ...every field }`, ready for `JSON.stringify`.
   *
   * @example
   * ```ts
   * await fs.writeFile('job.json', JSON.stringify(state.toJSON()));
   * ```
   */
  toJSON(): JobStateJSON {
    return jobStateToJSON(this);
  }

  /**
   * Rebuilds a snapshot from `toJSON()` output or its JSON text; bad input throws a
   * `SerializationError` naming the path.
   *
   * @example
   * ```ts
   * const state = JobState.fromJSON(await fs.readFile('job.json', 'utf8'));
   * flow.resume(state);
   * ```
   */
  static fromJSON(json: unknown): JobState {
    return jobStateFromJSON(json);
  }
}

registerJobStateClass(JobState);

/**
 * Shallow-freezes the snapshot and each container it owns; user payloads are left alone.
 * @internal
 */
export function freezeState(state: JobState): void {
  freezeEach(state.routineStates);
  freezeAll(state.pendingTasks);
  freezeAll(state.runningTasks);
  freezeAll(state.executionHistory);
  freezeAll(state.pausePoints);
  freezeAll(state.deferredEvents);
  freezeAll(state.outputLog);
  Object.freeze(state.slotData);
  Object.freeze(state.sharedData);
  if (state.failedTask) Object.freeze(state.failedTask);
  if (state.error) Object.freeze(state.error);
  Object.freeze(state);
}

function freezeAll(items: readonly object[]): void {
  if (Object.isFrozen(items)) return;
  for (let i = 0; i < items.length; i++) Object.freeze(items[i]);
  Object.freeze(items);
}

/** Routine states: each state and its `error` object (a snapshot from JSON is not frozen yet). */
function freezeEach(record: Readonly<Record<string, object>>): void {
  if (Object.isFrozen(record)) return;
  for (const key in record) {
    const error = (record[key] as { error?: object }).error;
    if (typeof error === 'object' && error !== null) Object.freeze(error);
    Object.freeze(record[key]);
  }
  Object.freeze(record);
}
