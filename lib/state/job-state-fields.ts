import type { JsonReader } from '../core/json-reader.js';
import type { Payload } from '../core/payload.js';
import type { TrackerState } from '../core/tracker-records.js';
import type { OperatorState } from '../core/operator-state.js';
import type { PolicyCellState } from '../core/policy-cell-state.js';
import { freezePolicies, readPolicies } from './policy-states.js';
import { freezeAll, freezeEach, freezeTask, freezeTasks } from './record-freezers.js';
import type { DeferredEvent, ExecutionRecord, JobError, JobStatus, OutputRecord, PausePoint, PendingTask, RoutineState, RoutineStatus } from '../core/records.js';

/**
 * @internal One field of a JobState: how its JSON is checked, how a snapshot freezes it, and
 * whether it may be absent. Everything that handles JobState fields (the class, its freezing,
 * the JSON writer and reader, the snapshot builder, restore) derives from
 * {@link JOB_STATE_FIELDS}, so a new field is one entry here plus its logic — and the
 * builder and restore, typed as one entry per field, fail to compile until they have it.
 *
 * @example
 * ```ts
 * const spec: FieldSpec<number, false> = JOB_STATE_FIELDS.createdAt;
 * ```
 */
export interface FieldSpec<T, Optional extends boolean> {
  readonly optional: Optional;
  /** Checks a present JSON value at `path`; throws a SerializationError naming the path. */
  read(r: JsonReader, path: string, value: unknown): void;
  /** Freezes what the snapshot owns of the value (never user payloads). */
  freeze(value: T): void;
  /** The value when JSON written before the field existed lacks it. */
  readonly absent?: () => T;
}

const STATUSES: readonly JobStatus[] = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];
const ROUTINE_STATUSES: readonly RoutineStatus[] = ['idle', 'running', 'completed', 'failed', 'error_continued', 'skipped', 'retrying', 'cancelled', 'interrupted'];

function count(r: JsonReader, path: string, v: unknown): void {
  const n = r.number(path, v);
  if (!Number.isInteger(n) || n < 0) r.fail(path, 'a non-negative integer', n);
}
const noFreeze = (): void => {};

function required<T>(read: FieldSpec<T, false>['read'], freeze: (value: T) => void = noFreeze, absent?: () => T): FieldSpec<T, false> {
  return absent === undefined ? { optional: false, read, freeze } : { optional: false, read, freeze, absent };
}

function optional<T>(read: FieldSpec<T, true>['read'], freeze: (value: T) => void = noFreeze): FieldSpec<T, true> {
  return { optional: true, read, freeze };
}

/** A list of records: each record and the list are frozen (the payloads inside are not). */
function list<T extends object>(item: (r: JsonReader, path: string, value: unknown) => void, absent?: () => readonly T[], freeze: (items: readonly T[]) => void = freezeAll): FieldSpec<readonly T[], false> {
  return required<readonly T[]>((r, path, v) => r.array(path, v).forEach((x, i) => item(r, `${path}[${i}]`, x)), freeze, absent);
}

function readTask(r: JsonReader, path: string, v: unknown): void {
  const o = r.object(path, v);
  r.string(`${path}.routineId`, o.routineId);
  r.string(`${path}.slotName`, o.slotName);
  r.object(`${path}.data`, o.data);
  const attempt = r.number(`${path}.attempt`, o.attempt);
  if (!Number.isInteger(attempt) || attempt < 1) r.fail(`${path}.attempt`, 'an integer >= 1', attempt);
  r.number(`${path}.enqueuedAt`, o.enqueuedAt);
  r.optional(o.seq, (v) => count(r, `${path}.seq`, v)); // absent in older JSON: numbered when restored
  if (o.source !== undefined) {
    const s = r.object(`${path}.source`, o.source);
    r.string(`${path}.source.routineId`, s.routineId);
    r.string(`${path}.source.eventName`, s.eventName);
  }
  r.optional(o.dueAt, (d) => r.number(`${path}.dueAt`, d));
  r.optional(o.delayLeft, (d) => r.number(`${path}.delayLeft`, d));
  r.optional(o.merged, (d) => r.object(`${path}.merged`, d));
}

const EMPTY_TRACKER: TrackerState = Object.freeze({ records: Object.freeze([]), eventFlow: Object.freeze([]), totals: Object.freeze({}), deliveries: 0 });

function readTracker(r: JsonReader, path: string, v: unknown): void {
  const o = r.object(path, v);
  r.array(`${path}.records`, o.records).forEach((x, i) => {
    const p = `${path}.records[${i}]`;
    const a = r.object(p, x);
    r.string(`${p}.routineId`, a.routineId);
    r.string(`${p}.slotName`, a.slotName);
    r.number(`${p}.startTime`, a.startTime);
    r.number(`${p}.endTime`, a.endTime);
    r.oneOf(`${p}.status`, a.status, ['completed', 'failed'] as const);
    r.number(`${p}.durationMs`, a.durationMs);
    count(r, `${p}.attempt`, a.attempt);
  });
  r.array(`${path}.eventFlow`, o.eventFlow).forEach((x, i) => {
    const p = `${path}.eventFlow[${i}]`;
    const d = r.object(p, x);
    r.number(`${p}.timestamp`, d.timestamp);
    for (const k of ['sourceRoutineId', 'eventName', 'targetRoutineId', 'slotName'] as const) r.string(`${p}.${k}`, d[k]);
  });
  for (const [id, t] of Object.entries(r.object(`${path}.totals`, o.totals))) {
    const totals = r.object(`${path}.totals.${id}`, t);
    for (const k of ['total', 'completed', 'failed'] as const) count(r, `${path}.totals.${id}.${k}`, totals[k]);
    for (const k of ['time', 'min', 'max'] as const) r.number(`${path}.totals.${id}.${k}`, totals[k]);
  }
  count(r, `${path}.deliveries`, o.deliveries);
}

function freezeTracker(t: TrackerState): void {
  freezeAll(t.records);
  freezeAll(t.eventFlow);
  freezeEach(t.totals);
  Object.freeze(t);
}

function freezeOperators(operators: Readonly<Record<string, OperatorState>>): void {
  if (Object.isFrozen(operators)) return;
  for (const key in operators) {
    freezeAll(operators[key].inputs);
    Object.freeze(operators[key]);
  }
  Object.freeze(operators);
}

function readRecord(r: JsonReader, path: string, v: unknown): void {
  const o = r.object(path, v);
  r.string(`${path}.routineId`, o.routineId);
  r.string(`${path}.eventName`, o.eventName);
  r.number(`${path}.timestamp`, o.timestamp);
}

/**
 * @internal The one declaration of a JobState's fields, in JSON order.
 *
 * @example
 * ```ts
 * for (const name of JOB_STATE_FIELD_NAMES) console.log(name, JOB_STATE_FIELDS[name].optional);
 * ```
 */
export const JOB_STATE_FIELDS = {
  jobId: required<string>((r, p, v) => void r.string(p, v)),
  flowId: required<string>((r, p, v) => void r.string(p, v)),
  status: required<JobStatus>((r, p, v) => void r.oneOf(p, v, STATUSES)),
  createdAt: required<number>((r, p, v) => void r.number(p, v)),
  updatedAt: required<number>((r, p, v) => void r.number(p, v)),
  routineStates: required<Readonly<Record<string, RoutineState>>>((r, path, v) => {
    for (const [id, rs] of Object.entries(r.object(path, v))) {
      const o = r.object(`${path}.${id}`, rs);
      r.oneOf(`${path}.${id}.status`, o.status, ROUTINE_STATUSES);
      count(r, `${path}.${id}.activations`, o.activations);
      count(r, `${path}.${id}.errors`, o.errors);
    }
  }, freezeEach),
  slotData: required<Readonly<Record<string, Payload>>>((r, path, v) => {
    for (const [key, data] of Object.entries(r.object(path, v))) r.object(`${path}['${key}']`, data);
  }, Object.freeze),
  pendingTasks: list<PendingTask>(readTask, undefined, freezeTasks),
  /** Older JSON had no running tasks. */
  runningTasks: list<PendingTask>(readTask, () => [], freezeTasks),
  failedTask: optional<PendingTask>(readTask, freezeTask),
  executionHistory: list<ExecutionRecord>(readRecord),
  pausePoints: list<PausePoint>((r, p, v) => void r.number(`${p}.timestamp`, r.object(p, v).timestamp)),
  deferredEvents: list<DeferredEvent>(readRecord),
  sharedData: required<Readonly<Record<string, unknown>>>((r, p, v) => void r.object(p, v), Object.freeze),
  /** The job's execution tracker (`job.tracker`), so a resumed job's goes on; older JSON: empty. */
  tracker: required<TrackerState>(readTracker, freezeTracker, () => EMPTY_TRACKER),
  /** What each operator routine's operator received since it was last empty; older JSON: none. */
  operators: required<Readonly<Record<string, OperatorState>>>((r, path, v) => {
    for (const [id, raw] of Object.entries(r.object(path, v))) {
      const o = r.object(`${path}.${id}`, raw);
      r.array(`${path}.${id}.inputs`, o.inputs).forEach((x, i) => {
        const input = r.object(`${path}.${id}.inputs[${i}]`, x);
        r.object(`${path}.${id}.inputs[${i}].data`, input.data);
        r.number(`${path}.${id}.inputs[${i}].at`, input.at);
      });
      count(r, `${path}.${id}.emitted`, o.emitted);
      if (typeof o.overflowed !== 'boolean') r.fail(`${path}.${id}.overflowed`, 'a boolean', o.overflowed);
      if (o.startedAt !== undefined) r.number(`${path}.${id}.startedAt`, o.startedAt);
    }
  }, freezeOperators, () => Object.freeze({})),
  /** Routines activated since their last flush (`Routine.defineFlush`); older JSON: none. */
  flushDue: required<readonly string[]>((r, p, v) => r.array(p, v).forEach((id, i) => r.string(`${p}[${i}]`, id)), Object.freeze, () => []),
  /** What each join and batch, window or custom activation policy holds in the job; older JSON: none. */
  policies: required<Readonly<Record<string, PolicyCellState>>>(readPolicies, freezePolicies, () => Object.freeze({})),
  /** The last activation number given in the job (`ctx.activationId`); older JSON: 0. */
  activationSeq: required<number>((r, p, v) => count(r, p, v), noFreeze, () => 0),
  outputLog: list<OutputRecord>((r, p, v) => void r.string(`${p}.outputType`, r.object(p, v).outputType)),
  /** A `flow.open()` job not closed yet: a resume keeps it open until `close()`; older JSON: false. */
  open: required<boolean>((r, p, v) => {
    if (typeof v !== 'boolean') r.fail(p, 'a boolean', v);
  }, noFreeze, () => false),
  /** The job's own execution timeout (ms), when it was given one at start; a resume keeps it. */
  timeout: optional<number>((r, p, v) => {
    const n = r.number(p, v);
    if (!(n > 0)) r.fail(p, 'a positive number of ms', n);
  }),
  /**
   * What was left of the execution timeout (ms) when the snapshot was taken, while it counts
   * (started, not settled or failed): a resume from this state, here or elsewhere, goes on with
   * it instead of a whole new timeout; older JSON: none (the whole timeout).
   */
  timeLeft: optional<number>((r, p, v) => {
    const n = r.number(p, v);
    if (!(n >= 0)) r.fail(p, 'a number of ms >= 0', n);
  }),
  error: optional<JobError>((r, p, v) => {
    const e = r.object(p, v);
    r.string(`${p}.name`, e.name);
    r.string(`${p}.message`, e.message);
  }, Object.freeze),
} as const;

type Fields = typeof JOB_STATE_FIELDS;
type ValueOf<S> = S extends FieldSpec<infer T, boolean> ? T : never;

/** The fields as derived from {@link JOB_STATE_FIELDS} (optional where the spec says so). */
type DerivedFields = {
  readonly [K in keyof Fields as Fields[K] extends FieldSpec<unknown, true> ? never : K]: ValueOf<Fields[K]>;
} & {
  readonly [K in keyof Fields as Fields[K] extends FieldSpec<unknown, true> ? K : never]?: ValueOf<Fields[K]>;
};

/**
 * The fields of a {@link JobState}, as plain data. Written out so the published types name no
 * internal declaration; the compiler holds it to the one declaration above (`FieldsAgree`).
 *
 * @example
 * ```ts
 * const fields: JobStateFields = { ...state }; // every field, no methods
 * ```
 */
export type JobStateFields = {
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
  readonly tracker: TrackerState;
  readonly operators: Readonly<Record<string, OperatorState>>;
  readonly policies: Readonly<Record<string, PolicyCellState>>;
  readonly flushDue: readonly string[];
  readonly activationSeq: number;
  readonly outputLog: readonly OutputRecord[];
  readonly open: boolean;
  readonly timeout?: number;
  readonly timeLeft?: number;
  readonly error?: JobError;
};

/** `true` when `A` and `B` are assignable both ways (same keys, same optionality, same types). */
type Agree<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
type MustBeTrue<T extends true> = T;
/** A field added to JOB_STATE_FIELDS without JobStateFields (or the reverse) fails to compile here. */
type FieldsAgree = MustBeTrue<Agree<JobStateFields, DerivedFields>>;

/** @internal A field's name. @example `const name: JobStateField = 'status';` */
export type JobStateField = keyof Fields;

/** @internal Every field name, in declaration (and JSON) order. @example `JOB_STATE_FIELD_NAMES[0] // 'jobId'` */
export const JOB_STATE_FIELD_NAMES = Object.freeze(Object.keys(JOB_STATE_FIELDS)) as readonly JobStateField[];

/**
 * @internal Freezes a snapshot's fields by their declaration, then the object itself. With
 * `previous` (a frozen snapshot `state` was made from), a field still holding `previous`'s value
 * is skipped: it is frozen already, and walking it (a list of every record kept) grew with the job.
 *
 * @example
 * ```ts
 * freezeFields(state);
 * freezeFields(next, previous); // only what changed
 * ```
 */
export function freezeFields(state: JobStateFields, previous?: JobStateFields): void {
  // Index loops over the names here and in every per-snapshot walk: a for-of left an iterator
  // result per field per snapshot where V8 did not optimize the caller (measured: 1.7 KB a turn;
  // every JobState built from fields, every state a client parses).
  for (let i = 0; i < JOB_STATE_FIELD_NAMES.length; i++) {
    const name = JOB_STATE_FIELD_NAMES[i];
    const value = state[name];
    if (value !== undefined && (previous === undefined || value !== previous[name])) (JOB_STATE_FIELDS[name].freeze as (v: unknown) => void)(value);
  }
  Object.freeze(state);
}
