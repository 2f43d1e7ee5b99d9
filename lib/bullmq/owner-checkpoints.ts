import { Checkpointer } from '../runtime/checkpointer.js';
import { retryable } from '../runtime/checkpoint-failure.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import type { JobState } from '../state/job-state.js';
import type { Subscription } from 'rxjs';
import { isFencedWrite } from './fenced-error.js';
import { ownerWriter, type WriterOwner } from './owner-writer.js';
import type { JobKeys } from './redis-keys.js';
import { PoolTurnLag, type LagSources } from './pool-turn-lag.js';
import type { WorkerContext } from './worker-context.js';

/**
 * @internal The ownership the checkpoints of one job write for: the writer's questions, and
 * what the checkpoints tell it besides (an OwnedJob is one).
 *
 * @example
 * ```ts
 * const owner: CheckpointsOwner = ownedJob; // ownership(), write(), release(), releasedBySave(), lose(), landed()
 * ```
 */
export interface CheckpointsOwner extends WriterOwner {
  /** A write was refused: another owner has the job. */
  lose(): void;
  /** A snapshot reached the store (a pool activation run in this process reads it). */
  landed(state: JobState): void;
}

/**
 * @internal The checkpoints of one owned job: its Checkpointer (journaled unless told
 * otherwise) writing through the ownership's fenced writer, a refused write losing the job,
 * other failures reported. It remembers the job's version at the last save asked for, so the
 * quiescent save an owner makes before letting a job go is not asked for a second time when
 * nothing changed since (a job that settles in one turn: one write, not a write and a no-op).
 *
 * @example
 * ```ts
 * const checkpoints = new OwnerCheckpoints(ctx, jobId, jobKeys(ctx.prefix, jobId), owner);
 * checkpoints.moment(job._runtime, false, () => owned.checkpointed(false), () => stillOwned()); // after a turn
 * checkpoints.save(job._runtime); // a command applied
 * const landed = await checkpoints.quiescent(job._runtime, () => false, () => owned.poke()); // before letting it go
 * checkpoints.dispose();
 * ```
 */
export class OwnerCheckpoints {
  private readonly cp: Checkpointer;
  private readonly sub: Subscription;
  /** The job's version when a save was last asked for (-1: none yet, or a write was given up since). */
  private asked = -1;
  /** Whether a turn's save may wait (none with `poolTurnLag: 0`). */
  private readonly lag: PoolTurnLag | undefined;
  /** Saves asked for by moments: a deferred turn save is made only if none came since. */
  private turns = 0;
  private deferred = -1;
  /** The owner's pause answers published as of the last save asked for (a save after a new one is in full: see OwnerWriter). */
  private answers = 0;
  private readonly lockDuration: number;
  /** The last write given up was refused by Redis (retrying could land it), not unencodable. */
  private refused = false;

  constructor(
    ctx: WorkerContext,
    jobId: string,
    keys: JobKeys,
    private readonly owner: CheckpointsOwner,
    sources?: LagSources,
  ) {
    // Journaled unless told otherwise: a turn appends what changed instead of the whole snapshot,
    // compacted every 20 entries by default (a pool worker elsewhere reads snapshot + journal).
    const options = { journal: true, compactEvery: 20, ...ctx.checkpoint };
    this.lockDuration = ctx.lockDuration;
    this.cp = new Checkpointer(ownerWriter(ctx.store, jobId, keys, owner), 'always', options, 'fail', (_id, s) => owner.landed(s));
    this.lag = ctx.poolTurnLag > 0 && sources !== undefined ? new PoolTurnLag(ctx.poolTurnLag, sources) : undefined;
    this.sub = this.cp.errors$.subscribe(({ error, willRetry }) => {
      if (!willRetry) {
        this.refused = retryable(error);
        this.asked = -1; // what reached the store is unknown: the next quiescent save is made,
        this.lag?.forget(); // and no turn waits behind it
      }
      if (isFencedWrite(error)) owner.lose();
      else ctx.report(error);
    });
  }

  /** Asks for a save of the job as it is now (the write snapshots it then, or a newer version when coalesced). */
  save(rt: JobRuntime, statusChange = true): void {
    this.asked = rt.version;
    this.lag?.mark(rt);
    const answers = this.owner.answered();
    if (answers > this.answers) {
      this.answers = answers;
      this.cp.saveInFull(rt.id); // a journal entry announces nothing
    }
    this.cp.notify(rt, statusChange);
  }

  /**
   * A checkpoint moment of the job (the engine's: a turn that changed it, a resting status): a
   * status change saves now; a turn's save waits for the end of this event-loop iteration (the
   * turns of one moment share one write), or longer (PoolTurnLag: `again` is called when it may
   * wait no longer); none when nothing is left to do (the job's settling saves). `live`: whether
   * the ownership still checkpoints when a deferred save comes due.
   */
  moment(rt: JobRuntime, statusChange: boolean, again: () => void, live: () => boolean): void {
    if (statusChange) {
      this.turns++; // a deferred turn's save is covered by this one
      this.save(rt);
    } else if (!rt.work.isIdle() && this.deferred !== this.turns && !this.turnCanWait(rt, again)) {
      const turns = (this.deferred = this.turns);
      setImmediate(() => turns === this.turns && live() && (this.turns++, this.save(rt, false)));
    }
  }

  /**
   * Whether the save of a turn that changed no status may wait (see {@link PoolTurnLag}: the
   * turn only applied pool results and sent pool activations); `late` is called when it may
   * wait no longer.
   */
  private turnCanWait(rt: JobRuntime, late: () => void): boolean {
    return this.lag !== undefined && this.lag.canWait(rt, late);
  }

  /**
   * Saves the quiescent state, whatever the last turn saved, and resolves once no write is in
   * progress. A save asked for at this very version (the settling one, mostly) covers it; if
   * that write is given up, the save is asked for once more, as a second request would have been.
   * Resolves false when that write was given up after Redis kept refusing it (OOM, READONLY):
   * then `again` is called a moment later, for the owner to save it once more instead of letting
   * the job go as last stored. A state that cannot be encoded never will be: true, as if landed.
   */
  quiescent(rt: JobRuntime, over: () => boolean, again?: () => void): Promise<boolean> {
    const joined = rt.version === this.asked;
    if (!joined) this.save(rt);
    const landed = (): boolean => {
      if (this.asked !== -1 || !this.refused) return true; // (a write given up sets it to -1)
      if (again !== undefined) setTimeout(again, Math.min(1_000, this.lockDuration / 4));
      return false;
    };
    const flushed = this.cp.flushed();
    if (!joined) return flushed.then(landed);
    return flushed.then(() => {
      if (this.asked !== -1 || over()) return landed();
      this.save(rt);
      return this.cp.flushed().then(landed);
    });
  }

  /** Resolves once no write is in progress. */
  flushed(): Promise<void> {
    return this.cp.flushed();
  }

  /** No more failures are reported (the ownership ended). */
  dispose(): void {
    this.lag?.dispose();
    this.sub.unsubscribe();
  }
}
