import type { JobState } from './job-state.js';
import type { Payload } from '../core/payload.js';
import type { DeferredEvent, ExecutionRecord, JobError, JobStatus, OutputRecord, PausePoint, PendingTask, RoutineState } from '../core/records.js';
import { JsonReader } from '../core/json-reader.js';

/**
 * The JSON form of a JobState: `{ format: 'routilux.job', version: 1, ...every field }`.
 *
 * @example
 * ```ts
 * const json: JobStateJSON = state.toJSON(); json.format; // 'routilux.job'
 * ```
 */
export interface JobStateJSON {
  format: 'routilux.job';
  version: 1;
  jobId: string;
  flowId: string;
  status: JobStatus;
  createdAt: number;
  updatedAt: number;
  routineStates: Record<string, RoutineState>;
  slotData: Record<string, Payload>;
  pendingTasks: PendingTask[];
  runningTasks: PendingTask[];
  failedTask?: PendingTask;
  executionHistory: ExecutionRecord[];
  pausePoints: PausePoint[];
  deferredEvents: DeferredEvent[];
  sharedData: Record<string, unknown>;
  outputLog: OutputRecord[];
  error?: JobError;
}

const STATUSES: readonly JobStatus[] = ['pending', 'running', 'paused', 'completed', 'failed', 'cancelled'];

/** @internal */
export function jobStateToJSON(state: JobState): JobStateJSON {
  const json: JobStateJSON = {
    format: 'routilux.job',
    version: 1,
    jobId: state.jobId,
    flowId: state.flowId,
    status: state.status,
    createdAt: state.createdAt,
    updatedAt: state.updatedAt,
    routineStates: state.routineStates as Record<string, RoutineState>,
    slotData: state.slotData as Record<string, Payload>,
    pendingTasks: state.pendingTasks as PendingTask[],
    runningTasks: state.runningTasks as PendingTask[],
    executionHistory: state.executionHistory as ExecutionRecord[],
    pausePoints: state.pausePoints as PausePoint[],
    deferredEvents: state.deferredEvents as DeferredEvent[],
    sharedData: state.sharedData as Record<string, unknown>,
    outputLog: state.outputLog as OutputRecord[],
  };
  if (state.failedTask !== undefined) json.failedTask = state.failedTask;
  if (state.error !== undefined) json.error = state.error;
  return json;
}

/** @internal */
export function jobStateFromJSON(json: unknown): JobState {
  const r = new JsonReader('job JSON');
  const root = r.root(json);
  r.header(root, 'routilux.job', 1);
  r.string('jobId', root.jobId);
  r.string('flowId', root.flowId);
  r.oneOf('status', root.status, STATUSES);
  r.number('createdAt', root.createdAt);
  r.number('updatedAt', root.updatedAt);
  const routineStates = r.object('routineStates', root.routineStates);
  for (const [id, rs] of Object.entries(routineStates)) {
    const o = r.object(`routineStates.${id}`, rs);
    r.string(`routineStates.${id}.status`, o.status);
    r.number(`routineStates.${id}.activations`, o.activations);
    r.number(`routineStates.${id}.errors`, o.errors);
  }
  const slotData = r.object('slotData', root.slotData);
  for (const [key, data] of Object.entries(slotData)) r.object(`slotData['${key}']`, data);
  const task = (path: string, v: unknown): void => {
    const o = r.object(path, v);
    r.string(`${path}.routineId`, o.routineId);
    r.string(`${path}.slotName`, o.slotName);
    r.object(`${path}.data`, o.data);
    const attempt = r.number(`${path}.attempt`, o.attempt);
    if (!Number.isInteger(attempt) || attempt < 1) r.fail(`${path}.attempt`, 'an integer >= 1', attempt);
    r.number(`${path}.enqueuedAt`, o.enqueuedAt);
    if (o.source !== undefined) {
      const s = r.object(`${path}.source`, o.source);
      r.string(`${path}.source.routineId`, s.routineId);
      r.string(`${path}.source.eventName`, s.eventName);
    }
    r.optional(o.dueAt, (d) => r.number(`${path}.dueAt`, d));
    r.optional(o.delayLeft, (d) => r.number(`${path}.delayLeft`, d));
    r.optional(o.merged, (d) => r.object(`${path}.merged`, d));
  };
  r.array('pendingTasks', root.pendingTasks).forEach((t, i) => task(`pendingTasks[${i}]`, t));
  r.array('runningTasks', root.runningTasks ?? []).forEach((t, i) => task(`runningTasks[${i}]`, t));
  if (root.failedTask !== undefined) task('failedTask', root.failedTask);
  const rec = (list: string, v: unknown, i: number): void => {
    const o = r.object(`${list}[${i}]`, v);
    r.string(`${list}[${i}].routineId`, o.routineId);
    r.string(`${list}[${i}].eventName`, o.eventName);
    r.number(`${list}[${i}].timestamp`, o.timestamp);
  };
  r.array('executionHistory', root.executionHistory).forEach((v, i) => rec('executionHistory', v, i));
  r.array('deferredEvents', root.deferredEvents).forEach((v, i) => rec('deferredEvents', v, i));
  r.array('pausePoints', root.pausePoints).forEach((v, i) => r.number(`pausePoints[${i}].timestamp`, r.object(`pausePoints[${i}]`, v).timestamp));
  r.array('outputLog', root.outputLog).forEach((v, i) => r.string(`outputLog[${i}].outputType`, r.object(`outputLog[${i}]`, v).outputType));
  r.object('sharedData', root.sharedData);
  if (root.error !== undefined) {
    const e = r.object('error', root.error);
    r.string('error.name', e.name);
    r.string('error.message', e.message);
  }
  // `root` is ours (parsed here, or copied by r.root), so freezing the snapshot freezes nothing of the caller's.
  const { format: _format, version: _version, ...fields } = root as unknown as JobStateJSON;
  return new JobStateCtor({ ...fields, runningTasks: fields.runningTasks ?? [] });
}

// Set by job-state.ts at load time; avoids a value-level import cycle with it.
let JobStateCtor: new (fields: ConstructorParameters<typeof JobState>[0]) => JobState;
/** @internal */
export function registerJobStateClass(ctor: typeof JobStateCtor): void {
  JobStateCtor = ctor;
}
