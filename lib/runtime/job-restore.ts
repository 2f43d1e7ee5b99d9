import { ConfigurationError, JobStateError } from '../errors/errors.js';
import type { Slot } from '../model/slot.js';
import type { JobState } from '../state/job-state.js';
import type { PendingTask } from '../core/records.js';
import type { Flow } from '../flow/flow.js';
import type { JobRuntime } from './job-runtime.js';
import { Task } from './task.js';
import { continueRun } from './job-control.js';

/**
 * @internal Rebuilds a job from a snapshot in `flow` and runs it on: the failed activation,
 * then the activations that were running (at-least-once after a crash), then the queue, then
 * deferred events. Everything is checked before anything is created.
 */
export function restoreJob(flow: Flow, state: JobState, create: (jobId: string, timeout: number | undefined) => JobRuntime): JobRuntime {
  if (state.flowId !== flow.flowId) {
    throw new ConfigurationError(`cannot resume job '${state.jobId}': it belongs to flow '${state.flowId}', not '${flow.flowId}'`);
  }
  if (state.status === 'completed' || state.status === 'cancelled') {
    throw new JobStateError(`cannot resume job '${state.jobId}': it is ${state.status}`);
  }
  const slotsByKey = new Map<string, Slot>();
  for (const routine of flow.routines.values()) for (const slot of routine.slotList()) slotsByKey.set(slot.key, slot);
  const slotOf = (t: PendingTask, path: string): Slot => {
    const routine = flow.getRoutine(t.routineId);
    if (routine === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': ${path}.routineId: flow '${flow.flowId}' has no routine '${t.routineId}'`);
    const slot = routine.getSlot(t.slotName);
    if (slot === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': ${path}.slotName: routine '${t.routineId}' has no slot '${t.slotName}'`);
    return slot;
  };
  const tasks: Array<[PendingTask, Slot]> = [];
  if (state.failedTask !== undefined) tasks.push([state.failedTask, slotOf(state.failedTask, 'failedTask')]);
  state.runningTasks.forEach((t, i) => tasks.push([t, slotOf(t, `runningTasks[${i}]`)]));
  state.pendingTasks.forEach((t, i) => tasks.push([t, slotOf(t, `pendingTasks[${i}]`)]));
  for (const id of Object.keys(state.routineStates)) {
    if (flow.getRoutine(id) === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': routineStates.${id}: flow '${flow.flowId}' has no routine '${id}'`);
  }
  state.deferredEvents.forEach((d, i) => {
    const routine = flow.getRoutine(d.routineId);
    if (routine === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': deferredEvents[${i}].routineId: flow '${flow.flowId}' has no routine '${d.routineId}'`);
    if (routine.getEvent(d.eventName) === undefined) throw new ConfigurationError(`cannot resume job '${state.jobId}': deferredEvents[${i}].eventName: routine '${d.routineId}' has no event '${d.eventName}'`);
  });
  for (const key of Object.keys(state.slotData)) {
    if (!slotsByKey.has(key)) throw new ConfigurationError(`cannot resume job '${state.jobId}': slotData['${key}']: no such routine slot in flow '${flow.flowId}'`);
  }

  const job = create(state.jobId, undefined);
  (job as { createdAt: number }).createdAt = state.createdAt;
  for (const [id, rs] of Object.entries(state.routineStates)) job.runOf(flow.getRoutine(id)!).restore(rs);
  for (const [key, data] of Object.entries(state.slotData)) job.restoreSlotData(slotsByKey.get(key)!, data);
  job.history.reset(state.executionHistory);
  job.shared = { ...state.sharedData };
  job.sharedVersion++;
  job.outputLog.push(...state.outputLog);
  job.pausePoints.push(...state.pausePoints);
  job.deferred = state.deferredEvents.slice();
  job.deferredVersion++;
  const restored = tasks.map(([t, slot]) => {
    const source = t.source === undefined ? undefined : flow.getRoutine(t.source.routineId)?.getEvent(t.source.eventName);
    const task = new Task(job, slot, t.data, t.attempt, t.enqueuedAt, source);
    task.dueAt = t.dueAt;
    task.delayLeft = t.delayLeft;
    task.merged = t.merged;
    return task;
  });
  job.setStatus('running');
  continueRun(job, restored);
  return job;
}
