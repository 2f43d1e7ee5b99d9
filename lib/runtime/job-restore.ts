import { ConfigurationError, JobStateError } from '../errors/errors.js';
import type { PendingTask } from '../core/records.js';
import type { JobStateField, JobStateFields } from '../state/job-state-fields.js';
import type { JobState } from '../state/job-state.js';
import type { FlowGraph } from '../model/flow-graph.js';
import type { Slot } from '../model/slot.js';
import type { JobRuntime } from './job-runtime.js';
import { Task } from './task.js';
import { continueRun } from './job-control.js';
import { checkPolicyStates, restorePolicies } from './policy-cells.js';

/** What restoring one field needs besides the job: the flow's slots by key. */
interface RestoreScope {
  readonly graph: FlowGraph;
  readonly slotsByKey: ReadonlyMap<string, Slot>;
  /** The job time the state was saved at: operator timers go on from there, in this process's clock. */
  readonly savedAt: number;
}

/**
 * How each JobState field goes back into a job's mutable state: one entry per declared field,
 * so a field added to the declaration does not compile until it has one here. Fields the job
 * takes elsewhere say so.
 */
const RESTORERS: { readonly [K in JobStateField]-?: (job: JobRuntime, value: JobStateFields[K], scope: RestoreScope) => void } = {
  jobId: () => {}, // the job is created with it
  flowId: () => {}, // checked against the flow before anything is created
  status: () => {}, // a restored job runs: its status comes from the lifecycle
  createdAt: (job, value) => void ((job as { createdAt: number }).createdAt = value),
  updatedAt: () => {}, // stamped by the next snapshot
  routineStates: (job, value, { graph }) => {
    for (const [id, rs] of Object.entries(value)) job.runOf(graph.routines.get(id)!).restore(rs);
  },
  slotData: (job, value, { slotsByKey }) => {
    for (const [key, data] of Object.entries(value)) job.restoreSlotData(slotsByKey.get(key)!, data);
  },
  pendingTasks: () => {}, // tasks are rebuilt in order by restoreJob (failed, running, pending)
  runningTasks: () => {},
  failedTask: () => {},
  executionHistory: (job, value) => job.history.reset(value),
  pausePoints: (job, value) => void (job.pausePoints = job.pausePoints.concat(value)),
  deferredEvents: (job, value) => {
    job.deferred = value.slice();
    job.deferredVersion++;
  },
  sharedData: (job, value) => {
    job.shared = { ...value };
    job.sharedVersion++;
  },
  flushDue: (job, value, { graph }) => {
    for (const id of value) {
      const routine = graph.routines.get(id);
      if (routine?._flushSlot !== undefined) job.flushDue(job.runOf(routine), true);
    }
  },
  policies: (job, value, { graph }) => restorePolicies(job, value, graph.routines.values()),
  tracker: (job, value) => job.tracker.restore(value),
  operators: (job, value, { graph, savedAt }) => {
    for (const [id, state] of Object.entries(value)) job.operatorLog(graph.routines.get(id)!, Infinity, false).restore(state, savedAt);
  },
  activationSeq: (job, value) => void (job.lastSeq = Math.max(job.lastSeq, value)),
  outputLog: (job, value) => void (job.outputLog = job.outputLog.concat(value)),
  open: (job, value) => {
    if (!value) return;
    job.work.openHold = true; // still waiting for close(), as before the save
    job.work.holds++;
  },
  timeout: () => {}, // given to the job when it is created
  timeLeft: (job, value) => {
    if (value !== undefined) job.deadline?.goOnWith(value); // (a flow with no timeout now has no deadline)
  },
  error: () => {}, // a restored job runs again: its error is cleared
};

/**
 * @internal Rebuilds a job from a snapshot in the flow of `graph` and runs it on (or, with
 * `paused`, leaves it paused with that work parked): the failed activation, then the
 * activations that were running (at-least-once after a crash), then the queue, then deferred
 * events. Everything is checked before anything is created.
 *
 * @throws {ConfigurationError} when the state names a routine, slot or event the flow lacks, or another flow.
 * @throws {JobStateError} when the job is completed or cancelled.
 * @example
 * ```ts
 * const job = restoreJob(graph, 'orders', state, (id, timeout) => jobs.create(id, timeout));
 * ```
 */
export function restoreJob(
  graph: FlowGraph,
  flowId: string,
  state: JobState,
  create: (jobId: string, timeout: number | undefined) => JobRuntime,
  options: { paused?: boolean; gated?: boolean } = {},
): JobRuntime {
  if (state.flowId !== flowId) {
    throw new ConfigurationError(`cannot resume job '${state.jobId}': it belongs to flow '${state.flowId}', not '${flowId}'`);
  }
  if (state.status === 'completed' || state.status === 'cancelled') {
    throw new JobStateError(`cannot resume job '${state.jobId}': it is ${state.status}`);
  }
  const routines = graph.routines;
  const slotsByKey = new Map<string, Slot>();
  for (const routine of routines.values()) for (const slot of routine.slotList()) slotsByKey.set(slot.key, slot);
  const slotOf = (t: PendingTask, path: string): Slot => {
    const routine = routines.get(t.routineId);
    if (routine === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': ${path}.routineId: flow '${flowId}' has no routine '${t.routineId}'`);
    const slot = routine.getSlot(t.slotName);
    if (slot === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': ${path}.slotName: routine '${t.routineId}' has no slot '${t.slotName}'`);
    return slot;
  };
  const tasks: Array<[PendingTask, Slot]> = [];
  if (state.failedTask !== undefined) tasks.push([state.failedTask, slotOf(state.failedTask, 'failedTask')]);
  state.runningTasks.forEach((t, i) => tasks.push([t, slotOf(t, `runningTasks[${i}]`)]));
  state.pendingTasks.forEach((t, i) => tasks.push([t, slotOf(t, `pendingTasks[${i}]`)]));
  for (const id of Object.keys(state.routineStates)) {
    if (!routines.has(id)) throw new ConfigurationError(`cannot resume job '${state.jobId}': routineStates.${id}: flow '${flowId}' has no routine '${id}'`);
  }
  state.deferredEvents.forEach((d, i) => {
    const routine = routines.get(d.routineId);
    if (routine === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': deferredEvents[${i}].routineId: flow '${flowId}' has no routine '${d.routineId}'`);
    if (routine.getEvent(d.eventName) === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': deferredEvents[${i}].eventName: routine '${d.routineId}' has no event '${d.eventName}'`);
  });
  for (const [id, op] of Object.entries(state.operators)) {
    const routine = routines.get(id);
    if (routine?._resumeOperator === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': operators.${id}: flow '${flowId}' has no operator routine '${id}'`);
    if (op.overflowed) {
      throw new ConfigurationError(
        `cannot resume job '${state.jobId}': operator routine '${id}' received more than its replayLimit ${routine._replayLimit} payloads since its operator was last empty, so its state was not kept (raise replayLimit)`,
      );
    }
  }
  state.flushDue.forEach((id, i) => {
    if (routines.get(id)?._flushSlot === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': flushDue[${i}]: flow '${flowId}' has no routine '${id}' with a flush handler`);
  });
  checkPolicyStates(state.jobId, flowId, state.policies, routines.values());
  for (const key of Object.keys(state.slotData)) {
    if (!slotsByKey.has(key)) throw new ConfigurationError(`cannot resume job '${state.jobId}': slotData['${key}']: no such routine slot in flow '${flowId}'`);
  }

  const job = create(state.jobId, state.timeout);
  job.gated = options.gated === true; // waiting for its lease: its work parks until then
  const scope: RestoreScope = { graph, slotsByKey, savedAt: state.updatedAt };
  for (const name of Object.keys(RESTORERS) as JobStateField[]) {
    const value = state[name];
    if (value !== undefined) (RESTORERS[name] as (j: JobRuntime, v: unknown, s: RestoreScope) => void)(job, value, scope);
  }
  const restored = tasks.map(([t, slot]) => {
    const source = t.source === undefined ? undefined : routines.get(t.source.routineId)?.getEvent(t.source.eventName);
    const task = new Task(job, slot, t.data, t.attempt, t.enqueuedAt, source);
    task.dueAt = t.dueAt;
    task.delayLeft = t.delayLeft;
    task.merged = t.merged;
    // Numbered tasks keep their number (the same activationId after a crash); older JSON's
    // unnumbered ones get one when queued.
    task.seq = t.seq ?? 0;
    job.lastSeq = Math.max(job.lastSeq, task.seq);
    return task;
  });
  // Operators are rebuilt once the job's status is set, so what a replay emits is queued or
  // parked like any other emit of the job.
  const resumeOperators = (): void => {
    for (const id of Object.keys(state.operators)) routines.get(id)!._resumeOperator!(job);
  };
  if (options.paused) {
    // flow.restore: the job waits, its work parked in order, until job.resume() runs it (and
    // emits its deferred events); its timeout starts then too.
    job.work.parked = restored;
    // A job that was not paused when saved (it crashed running, say) says why it waits now.
    if (state.status !== 'paused') job.pausePoints = job.pausePoints.concat({ reason: 'restored', checkpoint: {}, timestamp: job.clock.now(), pendingCount: restored.length });
    job.change('pause');
    resumeOperators();
    return job;
  }
  job.change('run');
  continueRun(job, restored);
  resumeOperators();
  return job;
}
