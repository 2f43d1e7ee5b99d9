import type { JobRuntime } from '../runtime/job-runtime.js';
import { LateHost } from './late-host.js';

/** @internal What {@link PoolTurnLag} asks of the owned job besides its runtime. */
export interface LagSources {
  /** The job: it counts its late writes from now on (before any of its activations ends). */
  readonly job: JobRuntime;
  /** Pool results applied so far that did more than emit (PoolResults.weighty). */
  weighty(): number;
  /** Whether a client asked for the job's emissions or outputs (published as they happen). */
  watched(): boolean;
  /** Pool activations whose result is applied but which have not ended yet (PoolResults.applied). */
  applied(): number;
}

/**
 * The longest `poolTurnLag` (ms): a timer holds a signed 32-bit delay, and one past it would
 * fire at once, over and over.
 */
export const MAX_POOL_TURN_LAG = 2 ** 31 - 1;

/**
 * @internal Whether an owned job's turn checkpoint may wait for a later one (Tier 2). A turn in
 * which the owner only applied pool results that emitted, and sent pool activations, changes
 * nothing that a new owner could not rebuild exactly from the last checkpoint: each result sits
 * in the job's inbox before it is applied (a new owner applies it again without running its
 * handler), each activation sent is a BullMQ job under an id made of its activation id, and
 * with at most one pool activation in flight at a time whose result is still to come (from its
 * start on the owner, where a slot schema may still be checking it, until its result is
 * applied), and no activation timeout, the replay applies the results in the same order and
 * numbers every activation as the first run did. So such a
 * turn's checkpoint waits, at most `lag` ms (of elapsed time, not the wall clock) after the last
 * save asked for; then the owner is told to checkpoint again (`late`), which saves unless that
 * moment is past.
 *
 * Everything else is saved at once, as before, because a replay would not make it again or
 * would show it twice: an owner-side activation started or running since that save; late work
 * (an ended activation's timer emit, an operator's output, a batch, window or retry timer
 * firing: `JobData.lateWrites`); a pool result that set shared data or routine state (a pool step
 * elsewhere reads them in `jobState`), sent an output, or failed; two pool results still to
 * come at once; an activation timeout; a job whose emissions or outputs a client watches; a
 * status change or a command. A save the store gave up on is no save to wait behind
 * ({@link PoolTurnLag.forget}). What may lag in a pool worker's `jobState` elsewhere is all but
 * its shared data and routine states: history, task list, run counts, slot data, policy cells.
 *
 * Commands that arrive while the job has no owner, or during the new owner's replay, wait until
 * the replay is over (ReplayFence), and a takeover leaves deferred events for the job's next
 * resume, so neither numbers work before the replayed activations. The option stays opt-in
 * because a pool worker elsewhere reads `jobState` from the last checkpoint.
 *
 * @example
 * ```ts
 * const lag = new PoolTurnLag(1_000, { job: rt, weighty: () => results.weighty, watched: () => false, applied: () => results.applied });
 * lag.mark(rt); // a save was asked for
 * if (!lag.canWait(rt, () => owned.checkpointed(false))) checkpoints.save(rt, false);
 * ```
 */
export class PoolTurnLag {
  /** When the last save was asked for (performance.now(); -1: none yet), and the job's work then. */
  private at = -1;
  private ownerStarted = 0;
  private lateWrites = 0;
  private weighty = 0;
  private busy = true;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;
  /** What to call when the waiting turns may wait no longer (the owner's last `late`). */
  private late: (() => void) | undefined = undefined;
  private readonly lag: number;

  constructor(
    lag: number,
    private readonly sources: LagSources,
  ) {
    this.lag = Math.min(lag, MAX_POOL_TURN_LAG);
    LateHost.track(sources.job);
  }

  /** A save of the job was asked for now. */
  mark(rt: JobRuntime): void {
    const w = workOf(rt);
    this.at = performance.now();
    this.ownerStarted = w.ownerStarted;
    this.lateWrites = rt.lateWrites;
    this.weighty = this.sources.weighty();
    this.busy = w.ownerRunning > 0 || w.poolRunning - this.sources.applied() > 1;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /**
   * The save asked for last was given up (what reached the store is unknown): no turn waits
   * behind it, and turns waiting now are saved at once.
   */
  forget(): void {
    this.at = -1;
    if (this.timer === undefined) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    const late = this.late;
    if (late !== undefined) queueMicrotask(late); // (not from inside the writer's failure report)
  }

  /** Whether the checkpoint of the turn that just ended may wait (`late` is called when the lag runs out). */
  canWait(rt: JobRuntime, late: () => void): boolean {
    if (this.at < 0 || this.busy || rt.owner.activationTimeout !== undefined) return false;
    if (rt.lateWrites !== this.lateWrites || this.sources.weighty() !== this.weighty || this.sources.watched()) return false;
    const left = this.at + this.lag - performance.now();
    if (left <= 0) return false;
    const w = workOf(rt);
    if (w.ownerStarted !== this.ownerStarted || w.ownerRunning > 0 || w.poolRunning - this.sources.applied() > 1) return false;
    this.late = late;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        late();
      }, Math.ceil(left));
      this.timer.unref?.();
    }
    return true;
  }

  /** The ownership ended: no late call. */
  dispose(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
  }
}

/**
 * @internal The job's activations started and running on the owner, and those of pool routines
 * in flight. A pool routine with a flush slot counts as the owner's (its flushes run there).
 *
 * @example
 * ```ts
 * if (workOf(rt).ownerRunning > 0) return false;
 * ```
 */
export function workOf(rt: JobRuntime): { ownerStarted: number; ownerRunning: number; poolRunning: number } {
  let ownerStarted = 0;
  let ownerRunning = 0;
  let poolRunning = 0;
  for (let run = rt.firstRun; run !== undefined; run = run.nextRun) {
    const routine = run.routine;
    if (routine._placement !== 'pool' || routine._flushSlot !== undefined) {
      ownerStarted += run.activations;
      ownerRunning += run.inFlight;
    } else poolRunning += run.inFlight;
  }
  return { ownerStarted, ownerRunning, poolRunning };
}
