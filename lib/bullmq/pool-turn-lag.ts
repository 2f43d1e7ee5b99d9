import type { JobRuntime } from '../runtime/job-runtime.js';

/**
 * @internal Whether an owned job's turn checkpoint may wait for a later one (Tier 2). A turn in
 * which the owner only applied pool results and sent pool activations changes nothing that a
 * new owner could not rebuild exactly from the last checkpoint: each result sits in the job's
 * inbox before it is applied (a new owner applies it again without running its handler), each
 * activation sent is a BullMQ job under an id made of its activation id, and with at most one
 * pool activation at a time waiting for its result, and no activation timeout, the replay
 * applies the results in the same order and numbers every activation as the first run did. So such a turn's checkpoint waits, at most `lag` ms after the last save asked
 * for; then the owner is told to checkpoint again (`late`), which saves unless that moment is
 * past. Anything else (an owner-side activation started or running since that save, two pool
 * results awaited at once, an activation timeout, a status change, a command) is saved as before.
 * What waits is what a pool worker elsewhere reads as `jobState`: up to `lag` ms older.
 *
 * @example
 * ```ts
 * const lag = new PoolTurnLag(1_000, () => results.awaiting);
 * lag.mark(rt); // a save was asked for
 * if (!lag.canWait(rt, () => owned.checkpointed(false))) checkpoints.save(rt, false);
 * ```
 */
export class PoolTurnLag {
  /** When the last save was asked for (-1: none yet), and the job's work then. */
  private at = -1;
  private ownerStarted = 0;
  private busy = true;
  private timer: ReturnType<typeof setTimeout> | undefined = undefined;

  constructor(
    private readonly lag: number,
    /** The job's pool activations waiting for their result now. */
    private readonly awaiting: () => number,
  ) {}

  /** A save of the job was asked for now. */
  mark(rt: JobRuntime): void {
    const w = workOf(rt);
    this.at = Date.now();
    this.ownerStarted = w.ownerStarted;
    this.busy = w.ownerRunning > 0 || this.awaiting() > 1;
    clearTimeout(this.timer);
    this.timer = undefined;
  }

  /** Whether the checkpoint of the turn that just ended may wait (`late` is called when the lag runs out). */
  canWait(rt: JobRuntime, late: () => void): boolean {
    if (this.at < 0 || this.busy || rt.owner.activationTimeout !== undefined) return false;
    const left = this.at + this.lag - Date.now();
    if (left <= 0) return false;
    const w = workOf(rt);
    if (w.ownerStarted !== this.ownerStarted || w.ownerRunning > 0 || this.awaiting() > 1) return false;
    if (this.timer === undefined) {
      this.timer = setTimeout(() => {
        this.timer = undefined;
        late();
      }, left);
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
 * The job's activations started and running on the owner. A pool routine with a flush slot
 * counts as the owner's (its flushes run there).
 */
function workOf(rt: JobRuntime): { ownerStarted: number; ownerRunning: number } {
  let ownerStarted = 0;
  let ownerRunning = 0;
  for (let run = rt.firstRun; run !== undefined; run = run.nextRun) {
    const routine = run.routine;
    if (routine._placement !== 'pool' || routine._flushSlot !== undefined) {
      ownerStarted += run.activations;
      ownerRunning += run.inFlight;
    }
  }
  return { ownerStarted, ownerRunning };
}
