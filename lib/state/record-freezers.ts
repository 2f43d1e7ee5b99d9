import type { PendingTask } from '../core/records.js';

// How the containers of a JobState's fields are frozen (see JOB_STATE_FIELDS): the runtime's
// own snapshots come frozen already; a state read from JSON is frozen here, down to the records
// it owns, never into the users' payloads.

/**
 * @internal Freezes a list of records: each record, then the list (already frozen: nothing to do).
 *
 * @example
 * ```ts
 * freezeAll(state.executionHistory);
 * ```
 */
export function freezeAll(items: readonly object[]): void {
  if (Object.isFrozen(items)) return;
  for (let i = 0; i < items.length; i++) Object.freeze(items[i]);
  Object.freeze(items);
}

/**
 * @internal Freezes a task view and its `source` (its payloads stay the users').
 *
 * @example
 * ```ts
 * if (state.failedTask) freezeTask(state.failedTask);
 * ```
 */
export function freezeTask(task: PendingTask): void {
  if (typeof task.source === 'object' && task.source !== null) Object.freeze(task.source);
  Object.freeze(task);
}

/**
 * @internal Freezes a list of task views as {@link freezeTask} does each, then the list.
 *
 * @example
 * ```ts
 * freezeTasks(state.pendingTasks);
 * ```
 */
export function freezeTasks(tasks: readonly PendingTask[]): void {
  if (Object.isFrozen(tasks)) return;
  for (let i = 0; i < tasks.length; i++) freezeTask(tasks[i]);
  Object.freeze(tasks);
}

/**
 * @internal Freezes routine states: each state and its `error` object, then the record.
 *
 * @example
 * ```ts
 * freezeEach(state.routineStates);
 * ```
 */
export function freezeEach(record: Readonly<Record<string, object>>): void {
  if (Object.isFrozen(record)) return;
  for (const key in record) {
    const error = (record[key] as { error?: object }).error;
    if (typeof error === 'object' && error !== null) Object.freeze(error);
    Object.freeze(record[key]);
  }
  Object.freeze(record);
}
