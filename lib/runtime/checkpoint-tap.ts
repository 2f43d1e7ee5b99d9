import type { JobRuntime } from './job-runtime.js';

/**
 * @internal Told at every checkpoint moment of a flow's jobs (after each dispatch turn that
 * changed a job, and when a job reaches a resting status), whatever the flow's own store and
 * policy: how a worker (`routilux/bullmq`) checkpoints the jobs it owns to Redis without a store
 * on the user's flow, and without taking a snapshot nobody asked for.
 */
export type CheckpointTap = (job: JobRuntime, statusChange: boolean) => void;

const taps = new WeakMap<object, CheckpointTap>();
/**
 * How many flows were given a tap and not cleared: while none, asking costs no WeakMap lookup
 * (every job asks after each of its turns). A flow collected with its tap still set is counted
 * on, which only keeps the lookups.
 */
let tapped = 0;

/**
 * @internal Installs (or with `undefined` removes) the checkpoint tap of `flow`'s jobs. Kept beside
 * the flow, never on it.
 *
 * @example
 * ```ts
 * setCheckpointTap(flow, (job, statusChange) => sessions.get(job.id)?.checkpoint(statusChange));
 * ```
 */
export function setCheckpointTap(flow: object, tap: CheckpointTap | undefined): void {
  if (tap === undefined) {
    if (taps.delete(flow)) tapped--;
  } else {
    if (!taps.has(flow)) tapped++;
    taps.set(flow, tap);
  }
}

/** @internal The checkpoint tap of `flow`'s jobs, if any. @example `checkpointTapOf(flow)?.(job, true)` */
export function checkpointTapOf(flow: object): CheckpointTap | undefined {
  return tapped === 0 ? undefined : taps.get(flow);
}
