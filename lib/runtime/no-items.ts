/**
 * @internal One frozen empty list every job starts its rarely written lists with (outputs,
 * pause points, deferred events, parked and interrupted tasks): a job replaces it with a list
 * of its own at the first write (`list === NO_ITEMS`). Most jobs never write them, and seven
 * empty arrays were a twentieth of what a small settled job kept. Typed as writable so the
 * fields keep their types; a write that forgot the check throws (it is frozen), never
 * shares data between jobs.
 *
 * @example
 * ```ts
 * if (job.outputLog === NO_ITEMS) job.outputLog = [];
 * job.outputLog.push(record);
 * ```
 */
export const NO_ITEMS: never[] = Object.freeze([]) as unknown as never[];

/**
 * @internal {@link NO_ITEMS} for a job's shared data: a frozen empty record, replaced by the
 * job's own at the first `setSharedData`.
 *
 * @example
 * ```ts
 * if (job.shared === NO_SHARED) job.shared = {};
 * ```
 */
export const NO_SHARED: Record<string, unknown> = Object.freeze({}) as Record<string, unknown>;
