/*
 * What a job's execution tracker records, as plain data: the records are kept in the job
 * state (so a resumed job's tracker goes on where it was), the tracker itself lives in the
 * runtime.
 */

/**
 * One activation attempt as the tracker saw it (scheduler clock, ms).
 *
 * @example
 * ```ts
 * job.tracker.records.filter((r) => r.status === 'failed').map((r) => r.error?.message);
 * ```
 */
export interface ActivationRecord {
  readonly routineId: string;
  readonly slotName: string;
  readonly startTime: number;
  readonly endTime: number;
  readonly status: 'completed' | 'failed';
  readonly durationMs: number;
  readonly attempt: number;
  readonly error?: { readonly name: string; readonly message: string };
}

/**
 * One delivery of an emit to a connected slot.
 *
 * @example
 * ```ts
 * job.tracker.eventFlow.map((d) => `${d.sourceRoutineId}.${d.eventName} -> ${d.targetRoutineId}.${d.slotName}`);
 * ```
 */
export interface DeliveryRecord {
  readonly timestamp: number;
  readonly sourceRoutineId: string;
  readonly eventName: string;
  readonly targetRoutineId: string;
  readonly slotName: string;
}

/**
 * Running totals of one routine's attempts in a job (durations in ms).
 *
 * @example
 * ```ts
 * state.tracker.totals['parse']; // { total: 4, completed: 3, failed: 1, time: 12, min: 2, max: 5 }
 * ```
 */
export interface TrackerTotals {
  readonly total: number;
  readonly completed: number;
  readonly failed: number;
  readonly time: number;
  readonly min: number;
  readonly max: number;
}

/**
 * The execution tracker of a job as kept in its `JobState`: the newest attempt and delivery
 * records (bounded like the history), the exact totals per routine that ran, and the number of
 * deliveries.
 *
 * @example
 * ```ts
 * state.tracker.records.at(-1)?.durationMs;
 * ```
 */
export interface TrackerState {
  readonly records: readonly ActivationRecord[];
  readonly eventFlow: readonly DeliveryRecord[];
  readonly totals: Readonly<Record<string, TrackerTotals>>;
  readonly deliveries: number;
}

/**
 * Per-routine performance over a job. `totalExecutions` counts attempts (a retry is another
 * attempt); an attempt that threw counts as `failed` whatever the error policy did next;
 * `successRate = completed / totalExecutions`; times are attempt durations in ms.
 *
 * @example
 * ```ts
 * const p: RoutinePerformance = job.tracker.getRoutinePerformance('fetch')!;
 * ```
 */
export interface RoutinePerformance {
  totalExecutions: number;
  completed: number;
  failed: number;
  successRate: number;
  avgExecutionTime: number;
  minExecutionTime: number;
  maxExecutionTime: number;
}

/**
 * Flow-level figures of a job: `totalRoutines` = routines with at least one attempt,
 * `totalExecutions` = attempts, `totalEvents` = deliveries (one per emit per connected slot),
 * `totalExecutionTime` = the sum of attempt durations in ms (not of averages; overlapping
 * attempts in concurrent mode each count in full).
 *
 * @example
 * ```ts
 * const { totalExecutions, totalEvents } = job.tracker.getFlowPerformance();
 * ```
 */
export interface FlowPerformance {
  totalRoutines: number;
  totalExecutions: number;
  totalEvents: number;
  totalExecutionTime: number;
}
