import { immerable } from 'immer';
import { JOB_STATE_FIELD_NAMES, freezeFields, type JobStateFields } from './job-state-fields.js';
import { jobStateToJSON, readJobStateJSON, type JobStateJSON } from './job-state-json.js';
import type { ExecutionRecord, RoutineState } from '../core/records.js';

export type { JobStateFields } from './job-state-fields.js';

// The class declares no fields of its own: they come from the one declaration in
// job-state-fields.ts, merged in here as an interface.
// eslint-disable-next-line @typescript-eslint/no-empty-interface, @typescript-eslint/no-unsafe-declaration-merging
export interface JobState extends JobStateFields {}

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
export class JobState {
  static readonly [immerable] = true;

  /** Builds a frozen snapshot from plain fields (containers are frozen, payloads are not). */
  constructor(fields: JobStateFields) {
    for (const key in fields) {
      const value = (fields as Record<string, unknown>)[key];
      if (value !== undefined) (this as Record<string, unknown>)[key] = value;
    }
    freezeFields(this);
  }

  /**
   * @internal The snapshot builder's fast path: a JobState with no fields yet, for `write` to
   * fill in place; then the state and the two records written in place (`routineStates`,
   * `slotData`) are frozen. Every other container must come frozen from `write` (the builder
   * freezes each as it makes it). It skips the constructor's copy of every field and its
   * freezing walk, which were most of the cost of the one snapshot a small job makes.
   *
   * @example
   * ```ts
   * const state = JobState._build((s) => Object.assign(s, fields)); // fields' containers frozen
   * ```
   */
  static _build(write: (target: Record<string, unknown>) => void): JobState {
    const state = new (BlankJobState as unknown as new () => Record<string, unknown>)();
    write(state);
    Object.freeze(state.routineStates);
    Object.freeze(state.slotData);
    return Object.freeze(state) as unknown as JobState;
  }

  /**
   * @internal A copy of `state` with the same own fields, made by {@link JobState._build}: immer
   * copies a class instance with `Object.create` and `Object.assign`, which leaves an object of
   * this many fields in V8's slow dictionary mode; every read of the snapshot (its getters,
   * the journal's diff, its JSON) and its copy for the next one then paid for a hash lookup.
   *
   * @example
   * ```ts
   * const next = JobState._copy(immer.produce(previous, write));
   * ```
   */
  static _copy(state: JobState): JobState {
    return JobState._build((target) => {
      for (let i = 0; i < JOB_STATE_FIELD_NAMES.length; i++) {
        const name = JOB_STATE_FIELD_NAMES[i];
        if (Object.hasOwn(state, name)) target[name] = state[name];
      }
    });
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
   * `{ format: 'routilux.job', version: 2, ...every field, superjson? }`, ready for
   * `JSON.stringify`: lossless — Dates, Maps, Sets, BigInts, `undefined`, NaN, ±Infinity, -0,
   * RegExps, typed arrays, instances of classes registered with `registerPayloadClass`, and
   * repeated or cyclic references come back exactly from {@link JobState.fromJSON} — or loud.
   *
   * @throws {SerializationError} naming the exact path (`slotData["enrich.in"].callback`) of a
   * value that cannot be saved: a function, a symbol, an instance of an unregistered class.
   * Every store and every checkpoint writes through here, so none drops a value silently.
   * @example
   * ```ts
   * await fs.writeFile('job.json', JSON.stringify(state.toJSON()));
   * ```
   */
  toJSON(): JobStateJSON {
    return jobStateToJSON(this);
  }

  /**
   * Rebuilds a snapshot from `toJSON()` output or its JSON text (version 1 JSON too); bad input
   * throws a `SerializationError` naming the path. Instances of payload classes revive as
   * their class when it is registered (`registerPayloadClass`) before loading.
   *
   * @throws {SerializationError} for malformed JSON, a bad field, or a payload class not registered.
   * @example
   * ```ts
   * const state = JobState.fromJSON(await fs.readFile('job.json', 'utf8'));
   * flow.resume(state);
   * ```
   */
  static fromJSON(json: unknown): JobState {
    return new JobState(readJobStateJSON(json));
  }
}

/**
 * A JobState to be filled in place by {@link JobState._build}: its prototype is
 * JobState.prototype (so it is a JobState, with the class as its constructor), and assigning
 * every field a snapshot always has, in declaration order, reserves an in-object slot for each;
 * otherwise the writes grow a property array 3 slots at a time (six copies per snapshot).
 */
function BlankJobState(this: Record<string, unknown>): void {
  this.jobId = undefined;
  this.flowId = undefined;
  this.status = undefined;
  this.createdAt = undefined;
  this.updatedAt = undefined;
  this.routineStates = undefined;
  this.slotData = undefined;
  this.pendingTasks = undefined;
  this.runningTasks = undefined;
  this.executionHistory = undefined;
  this.pausePoints = undefined;
  this.deferredEvents = undefined;
  this.sharedData = undefined;
  this.tracker = undefined;
  this.operators = undefined;
  this.flushDue = undefined;
  this.policies = undefined;
  this.activationSeq = undefined;
  this.outputLog = undefined;
  this.open = undefined;
}
BlankJobState.prototype = JobState.prototype;
