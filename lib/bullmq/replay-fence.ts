import type { JobState } from '../state/job-state.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import { workOf } from './pool-turn-lag.js';
import { poolResultKeyParts, type ControlEntry } from './wire.js';

/**
 * @internal The longest a fence holds commands, in ms. A replay is a few of the job's turns, but a job whose
 * next turn waits behind other jobs' work (the flow's workers busy) or for a timer, with a result
 * left that it will not take, must not keep a cancel waiting that long: the fence goes down then,
 * and what the replay numbers after that may run again (at-least-once, as any turn not yet
 * checkpointed).
 *
 * @example
 * ```ts
 * ReplayFence.open(state, keys, rt, apply, { holdMs: MAX_REPLAY_HOLD }); // the default bound
 * ```
 */
export const MAX_REPLAY_HOLD = 1_000;

/**
 * @internal A new owner's replay of what the job's last owner did after its last checkpoint,
 * and the commands that wait for it. The new owner restores the older checkpoint and runs on:
 * each pool activation whose result is in the job's inbox takes it instead of running again, so
 * the job makes the same turns, and numbers its activations as the first run did (a pool result
 * is keyed by its activation id). A command applied before that replay is over (one that arrived
 * while the job had no owner, read at the take) would take a number one of the replayed
 * activations had: they would run again under other ids. And it arrived after all of that
 * work, so it is applied after it: commands read while the fence is up are held, in order, and
 * applied once the replay is over.
 *
 * The replay is over at the end of the first turn after which the job has taken every result it
 * can replay (those of activations numbered after the checkpoint, or listed in it as queued or
 * running at that attempt), or sent a pool activation (no result to replay: past what
 * the last owner did), or started an activation on the owner (a turn the last owner saved at
 * once, so the frontier), or has nothing queued or running (resting, or waiting for a timer);
 * or when the job is not running here; at the latest {@link MAX_REPLAY_HOLD} ms after the take.
 *
 * @example
 * ```ts
 * const fence = ReplayFence.open(state, inboxKeys, rt, (held) => applyNow(held)); // undefined: nothing to replay
 * if (fence?.up) fence.hold(entries); // applied when the replay is over
 * fence?.turnEnded(rt); // at the end of each of the job's turns
 * ```
 */
export class ReplayFence {
  /** Whether commands are held (until the end of the replay's last turn). */
  up = true;
  private held: ControlEntry[] = [];
  private ending = false;
  private sentOne = false;
  private readonly started: number;
  private readonly timer: ReturnType<typeof setTimeout>;

  /** Whether this fence holds the job open (see hold). */
  private holding = false;

  private constructor(
    /** Keys of the inbox results the replay can take, not taken yet. */
    private readonly expected: Set<string>,
    private readonly rt: JobRuntime,
    /** Applies the commands held, in order, once the replay is over. */
    private readonly apply: (held: ControlEntry[]) => void,
    holdMs: number,
  ) {
    this.started = workOf(rt).ownerStarted;
    this.timer = setTimeout(() => this.lower(), holdMs);
    this.timer.unref?.();
  }

  /**
   * The fence of a job just taken, or undefined when it replays nothing: no inbox result it can
   * take (`keys`: the inbox's; those of the job's `incarnation` only), not running here, or a
   * failed job (resumed: no replay). `holdMs`: how long it holds commands at most.
   */
  static open(
    state: JobState | undefined,
    keys: Iterable<string>,
    rt: JobRuntime,
    apply: (held: ControlEntry[]) => void,
    options: { incarnation?: number; holdMs?: number } = {},
  ): ReplayFence | undefined {
    const incarnation = options.incarnation ?? 0;
    // (A failed job resumed is no replay: its inbox is stale, see takenInbox.)
    if (state === undefined || state.status === 'failed' || rt.status !== 'running') return undefined;
    const listed = new Set<string>();
    for (const t of [...state.runningTasks, ...state.pendingTasks]) listed.add(`${t.seq}#${t.attempt}`);
    const expected = new Set<string>();
    for (const key of keys) {
      const at = poolResultKeyParts(key);
      if (at !== undefined && at.incarnation === incarnation && (at.seq > state.activationSeq || listed.has(`${at.seq}#${at.attempt}`))) expected.add(key);
    }
    return expected.size === 0 ? undefined : new ReplayFence(expected, rt, apply, options.holdMs ?? MAX_REPLAY_HOLD);
  }

  /**
   * Holds `entries` until the replay is over (see {@link ReplayFence.turnEnded}). The job is held
   * open meanwhile (as an open input holds it): a replay that takes every result could otherwise
   * settle the job before the commands are applied (the end of its last activation comes before
   * the fence's microtask), and a send read at the take would be refused as the job completed.
   */
  hold(entries: readonly ControlEntry[]): void {
    for (const e of entries) this.held.push(e);
    if (!this.holding && this.held.length > 0) {
      this.holding = true;
      this.rt.work.holds++;
    }
  }

  /** The replay took the result of `key` from the inbox. */
  taken(key: string): void {
    this.expected.delete(key);
  }

  /** The job sent a pool activation: it had no result to replay. */
  sent(): void {
    this.sentOne = true;
  }

  /**
   * The end of one of the job's turns: when the replay is over, the fence goes down and the
   * commands held are applied, just after the turn (never inside the engine's turn).
   */
  turnEnded(rt: JobRuntime): void {
    if (this.up && this.over(rt)) this.lower();
  }

  /** The fence goes down: the commands held are applied in a microtask (after the turn). */
  private lower(): void {
    if (this.ending) return;
    this.ending = true;
    clearTimeout(this.timer);
    queueMicrotask(() => {
      this.up = false; // (only now: a command read before this is held too, and keeps its place)
      const held = this.held;
      this.held = [];
      this.apply(held);
      if (!this.holding) return;
      this.holding = false;
      this.rt.releaseHold();
    });
  }

  private over(rt: JobRuntime): boolean {
    if (this.expected.size === 0 || this.sentOne || rt.status !== 'running') return true;
    const work = rt.work;
    return (work.running === 0 && work.queued === 0) || workOf(rt).ownerStarted !== this.started;
  }
}
