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

/** Jobs whose checkpoint moments are held (see holdCheckpoints), and whether one was asked for meanwhile. */
const holds = new WeakMap<object, { depth: number; flow: object | undefined; statusChange: boolean }>();

/**
 * @internal Tells `flow`'s checkpoint tap (if any) of a checkpoint moment of `job`, now or, while
 * the job's moments are held, when the hold ends.
 *
 * @example
 * ```ts
 * tapCheckpoint(flow, job, true); // a resting status: FlowEngine.checkpoint
 * ```
 */
export function tapCheckpoint(flow: object, job: JobRuntime, statusChange: boolean): void {
  if (tapped === 0) return;
  const tap = taps.get(flow);
  if (tap === undefined) return;
  const hold = holds.get(job);
  if (hold === undefined) return tap(job, statusChange);
  hold.flow = flow;
  hold.statusChange ||= statusChange;
}

/**
 * @internal Holds the checkpoint moments of `job` (a job's runtime, as an activation's
 * `ctx.host`) until the returned function is called, which then tells the tap of one moment if
 * any came meanwhile (a status change if any was one). Holds nest.
 *
 * Why: an owner applies a pool result's effects and then ends its activation, in one synchronous
 * step. A pause among the effects rests the job, which is a checkpoint moment: a snapshot taken
 * there shows the effects before it applied and the activation still listed to run, so an owner
 * restoring it would run the activation again, take the same result and apply it twice.
 *
 * @example
 * ```ts
 * const release = holdCheckpoints(ctx.host);
 * try { applyEffects(ctx, effects); endActivation(); } finally { release(); }
 * ```
 */
export function holdCheckpoints(job: object): () => void {
  const hold = holds.get(job) ?? { depth: 0, flow: undefined, statusChange: false };
  holds.set(job, hold);
  hold.depth++;
  let released = false;
  return () => {
    if (released) return;
    released = true;
    if (--hold.depth > 0) return;
    holds.delete(job);
    if (hold.flow !== undefined) tapCheckpoint(hold.flow, job as JobRuntime, hold.statusChange);
  };
}
