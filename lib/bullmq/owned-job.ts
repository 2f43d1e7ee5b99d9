import { ConfigurationError, WorkerLostError, describeError, type RoutiluxError } from '../errors/errors.js';
import { isResting } from '../core/job-status.js';
import type { JobState } from '../state/job-state.js';
import type { Job } from '../flow/job.js';
import { OwnerCheckpoints, type CheckpointsOwner } from './owner-checkpoints.js';
import { RELEASE_IDLE } from './control-scripts.js';
import { takeJob } from './take-job.js';
import { OwnerCommands } from './owner-commands.js';
import { jobKeys, type JobKeys } from './redis-keys.js';
import { blankState, handedOver, parkedPause, withStatus } from './state-edit.js';
import { ControlReader } from './control-reader.js';
import { PoolResults } from './pool-results.js';
import { ReplayFence } from './replay-fence.js';
import { takenInbox } from './taken-inbox.js';
import { pauseForHandoff } from './pause-for-handoff.js';
import { dropLocal, materialize, type Materialized } from './materialize.js';
import type { ControlEntry, WireJob } from './wire.js';
import type { WorkerContext } from './worker-context.js';

/** How an ownership ended: let go at rest, lost to another owner, or handed over by a closing worker. */
export type Ownership = 'done' | 'lost' | 'handoff';

/**
 * @internal One worker's ownership of one job, from taking its lease to letting it go: it
 * rebuilds the job from its snapshot (or starts it), applies its control commands in order,
 * checkpoints it after every dispatch turn with writes fenced by the lease epoch, keeps the
 * lease, and lets the job go once it rests (paused with nothing in flight, or settled), its
 * last checkpoint landed and no command is unread. A refused write or renewal means another
 * owner took over: the local copy is dropped at once (its in-flight handlers are aborted).
 *
 * @example
 * ```ts
 * const outcome = await new OwnedJob(ctx, 'order-17', data).run(); // 'done' | 'lost' | 'handoff' | ms to retry
 * ```
 */
export class OwnedJob implements CheckpointsOwner {
  private readonly keys: JobKeys;
  private job: Job | undefined = undefined;
  private cp: OwnerCheckpoints | undefined = undefined;
  private readonly commands: OwnerCommands;
  /** The engine's checkpoint moments are ignored from now on (handed over, let go). */
  private tapOff = false;
  /** Ends the lease renewal (set once taken). */
  private unkeep: (() => void) | undefined = undefined;
  /** The last control entry applied (saved with each checkpoint). */
  private applied = '';
  private readonly reader: ControlReader;
  private pool: PoolResults | undefined = undefined;
  /** The last snapshot that reached the store (a pool activation run in this process reads it here). */ checkpoint: JobState | undefined;
  private lost = false;
  /** Let go (released or handed over): nothing more is applied or written here. */
  private over = false;
  /** Let go by its final checkpoint (see the writer). */
  private released = false;
  private poked = false;
  private wake: (() => void) | undefined = undefined;
  /** Commands are read by nudges only once the job runs here; a nudge before that reads after. */
  private ready = false;
  private nudgedEarly = false;
  /** The lease epoch this ownership writes with (from the take). */
  epoch = '';

  constructor(
    private readonly ctx: WorkerContext,
    readonly jobId: string,
    private readonly data: WireJob,
  ) {
    this.keys = jobKeys(ctx.prefix, jobId);
    this.commands = new OwnerCommands(ctx.flow, ctx.client, this.keys.channel, ctx.report);
    this.reader = new ControlReader(ctx.client, this.keys.control, (e) => ctx.report(e), (entries) => this.applyNow(entries), () => this.poke());
  }

  /** Results of this job's pool activations (Tier 2), made on first use (a Tier 1 job has none). */
  get results(): PoolResults {
    return (this.pool ??= new PoolResults());
  }

  /**
   * Takes the job (its lease, its snapshot, its unread commands and pool results, in one step)
   * and owns it until it is let go, lost or handed over; a number: another owner holds it, ask
   * again in that many ms.
   */
  async run(): Promise<Ownership | number> {
    try {
      // The worker listens on its own channel already: a command added after the take is nudged there.
      const taken = await takeJob(this.ctx.client, this.keys, this.ctx.owner, this.ctx.lockDuration, this.data.fp, this.ctx.flow.flowId);
      if (!taken.granted) return taken.retryIn;
      const { epoch, recoveries, text, journal, meta } = taken;
      this.epoch = epoch;
      this.unkeep = this.ctx.leases.keep(this.keys.meta, epoch, () => this.lose());
      this.applied = this.reader.seen = taken.cursor;
      const loaded = typeof text === 'string' ? this.ctx.store.parseStored(this.jobId, text, journal) : undefined;
      this.pool = takenInbox(loaded, taken, this.pool); // (results published since the take may be here already)
      let entries = this.reader.accept(taken.control);
      if (recoveries > this.ctx.maxRecoveries) {
        return await this.giveUp(loaded, new WorkerLostError(`job '${this.jobId}' lost ${recoveries} owners that never let it go (maxRecoveries ${this.ctx.maxRecoveries}); its snapshot is kept: resume it once the cause is fixed`));
      }
      if (this.data.fp !== this.ctx.fingerprint) {
        return await this.giveUp(loaded, new ConfigurationError(`job '${this.jobId}' was started for another definition of flow '${this.ctx.flow.flowId}' (fingerprint ${this.data.fp}); this worker's is ${this.ctx.fingerprint}`));
      }
      let made: Materialized | undefined;
      for (;;) {
        try {
          made = materialize(this.ctx.flow, this.jobId, this.data, loaded, entries);
          if (made?.consumed !== undefined) {
            for (const e of entries.slice(0, entries.indexOf(made.consumed))) this.commands.refuse(loaded!, e);
            this.applied = made.consumed.id;
          }
        } catch (error) {
          return await this.giveUp(loaded, error as RoutiluxError);
        }
        if (made !== undefined) break;
        const more = await this.letGo(loaded, entries); // or the commands read since, a resume of the failed job among them
        if (!Array.isArray(more)) return more;
        entries = more;
      }
      this.job = made.job;
      const fence = ReplayFence.open(loaded, this.pool?.readyKeys() ?? [], made.job._runtime, (held) => this.applyNow(held), { incarnation: this.pool?.incarnation });
      if (fence !== undefined) this.results.fence = fence;
      // Commands first, unless the replay holds them: the first checkpoint is the state after them
      // (a restored paused job that a command resumes is never published paused again).
      this.commands.restore(made.job, meta);
      this.applyNow(made.rest);
      this.cp = new OwnerCheckpoints(this.ctx, this.jobId, this.keys, this, { job: made.job._runtime, weighty: () => this.pool?.weighty ?? 0, watched: () => this.commands.watched, applied: () => this.pool?.applied ?? 0 });
      if (made.consumed !== undefined) this.cp.save(made.job._runtime); // the resume's 'running', published (a failure next is a change again)
      this.ready = true;
      if (this.nudgedEarly) this.reader.readSoon();
      return await this.loop();
    } finally {
      this.reader.stop();
      this.pool?.dispose();
      this.unkeep?.();
      this.cp?.dispose();
      this.commands.dispose();
    }
  }

  /** A message for this job on the worker's channel: `r<key>\n<json>` is a pool result, `c` news on the control stream. */
  nudged(message: string): void {
    if (message.startsWith('r')) {
      const nl = message.lastIndexOf('\n'); // (the key holds the job id, any character; the result, JSON, no raw newline)
      this.results.deliver(message.slice(1, nl), message.slice(nl + 1));
    } else if (this.ready) this.reader.readSoon();
    else this.nudgedEarly = true;
  }

  /** The worker's subscriber reconnected: what was published meanwhile is lost, so the control stream and the inbox are read again. */
  resync(): void {
    if (this.over || this.lost) return;
    this.nudged('c');
    this.pool?.reread(this.ctx.client, this.keys.inbox, this.ctx.report);
  }

  /** Another owner may have it now: stop everything here, write nothing more. */
  lose(): void {
    if (this.lost) return;
    this.lost = true;
    this.ctx.store.forget(this.jobId);
    this.forgetLocal();
    this.poke();
  }

  /** Something happened (a turn, a command, closing): the loop looks again. */
  poke(): void {
    this.poked = true;
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private async loop(): Promise<Ownership> {
    for (;;) {
      if (!this.poked) await new Promise<void>((resolve) => (this.wake = resolve));
      this.poked = false;
      if (this.lost) return 'lost';
      if (this.released) return this.done();
      const status = this.job!._runtime.status;
      if (this.ctx.closing && (status === 'running' || status === 'pending' || this.job!._runtime.work.running > 0)) return this.handoff();
      if (!this.quiet()) continue;
      // The quiescent state, whatever the last turn saved. Not stored (Redis refused it: OOM, READONLY): kept, saved again soon.
      const landed = await this.cp!.quiescent(this.job!._runtime, () => this.lost || this.released, () => this.poke());
      if (this.lost) return 'lost';
      if (this.released) return this.done();
      if (!landed && this.ctx.closing && Date.now() >= this.ctx.closeDeadline()) return (this.lose(), 'lost'); // (refused still at the close deadline: left to its lease, as after a crash, not saved again after close())
      if (!landed || !this.quiet()) continue; // (let go unsaved, it would stay as last stored: unowned, undelivered)
      const released = await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, '0', '1', this.epoch]);
      if (released === -1) return (this.lose(), 'lost');
      if (released !== 0) return this.done();
      this.reader.readSoon(); // commands arrived since it last read: read them, go on
    }
  }

  private done(): Ownership {
    return (this.ctx.store.forget(this.jobId), this.forgetLocal(), 'done');
  }

  /** Rests with nothing in flight and nothing unread. */
  private quiet(): boolean {
    const rt = this.job!._runtime;
    return isResting(rt.status) && rt.work.running === 0 && !this.reader.busy && this.pool?.fence?.up !== true;
  }

  /** Nothing to run: refuse what was read (a settled job) or leave it for the start delivery; release. A resume of a failed job read meanwhile: what was read, to run it. */
  private async letGo(state: JobState | undefined, read: ControlEntry[]): Promise<Ownership | ControlEntry[]> {
    let pending = read;
    for (;;) {
      if (state?.status === 'failed' && pending.some((e) => e.command.op === 'resume')) return pending;
      if (state !== undefined) {
        for (const e of pending) this.commands.refuse(state, e);
        this.applied = this.reader.seen;
      }
      const released = await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, state === undefined ? '1' : '0', '0', this.epoch]);
      if (released !== 0) break;
      pending = await this.reader.read();
    }
    return this.done();
  }

  /** The job failed before it could run here: stored failed with `error` (its snapshot kept), released. */
  private async giveUp(state: JobState | undefined, error: RoutiluxError): Promise<Ownership> {
    this.ctx.report(error);
    const base = state ?? blankState(this.jobId, this.ctx.flow.flowId, 'failed', Date.now());
    await this.ctx.store.saveWith(withStatus(base, 'failed', describeError(error)), { cursor: this.applied, epoch: this.epoch, keys: this.keys });
    await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, '1', '0', this.epoch]);
    return this.done(); // (nothing local to drop: it never ran here)
  }

  /**
   * The worker closes while the job runs: pause it here, store it as running, let it go for another worker. In-flight
   * work unsettled by the close deadline is stored as running tasks (run again by the next owner), aborted here.
   */
  private async handoff(): Promise<Ownership> {
    const job = this.job!;
    const paused = job._runtime.status === 'paused'; // by a client, its work in flight: stored paused (published: a pause() waits on it)
    this.tapOff = true; // (commands read from now on are left to the next owner: see applyNow)
    await pauseForHandoff(job, this.ctx.closeDeadline(), this.ctx.report);
    await this.cp!.flushed();
    if (this.lost) return 'lost';
    let unread = this.reader.seen !== this.applied || (await this.reader.read()).length > 0; // (the next owner's: a paused job with one is queued too)
    await this.ctx.store.saveWith(paused ? parkedPause(job.state) : handedOver(job.state), { ...this.write(), keys: this.keys, publish: paused && !unread });
    await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, '1', '0', this.epoch]);
    unread ||= (await this.reader.read()).length > 0; // (sent before the release: no delivery asked for it)
    return paused && !unread ? this.done() : (this.done(), 'handoff');
  }

  // As its checkpoints' owner (CheckpointsOwner, @internal): the writer's questions, and what it is told.
  ownership(): 'owned' | 'released' | 'gone' {
    return this.released ? 'released' : this.lost || this.over ? 'gone' : 'owned';
  }
  answered(): number {
    return this.commands.answered;
  }
  write(): { cursor: string; epoch: string; inc: string } {
    return { cursor: this.applied, epoch: this.epoch, inc: this.pool?.incarnation ? String(this.pool.incarnation) : '' };
  }
  /** The release a settled job's save may do: when nothing is in flight or unread here. */
  release(): { owner: string; seen: string } | undefined {
    return this.quiet() ? { owner: this.ctx.owner, seen: this.reader.seen } : undefined;
  }
  releasedBySave(): void {
    this.released = true;
    this.poke();
  }
  landed(state: JobState): void {
    this.checkpoint = state;
    if (state.status === 'failed') this.pool?.failureStored(); // stored by this owner's fenced save: final
  }

  /** A checkpoint moment of the job (see OwnerCheckpoints.moment), and the end of a turn of a replay (see ReplayFence). */
  checkpointed(statusChange: boolean): void {
    const job = this.job;
    if (job === undefined || this.cp === undefined || this.tapOff) return;
    const rt = job._runtime;
    this.cp.moment(rt, statusChange, () => this.checkpointed(false), () => !this.tapOff);
    this.pool?.fence?.turnEnded(rt);
    this.poke();
  }

  /** Applies read commands; each one's effect is in the next checkpoint, which also saves the cursor. */
  private applyNow(entries: ControlEntry[]): void {
    const job = this.job;
    if (job === undefined || this.lost || this.tapOff || entries.length === 0) return; // (tapOff: let go, or being handed over)
    if (this.pool?.fence?.up === true) return this.pool.fence.hold(entries);
    for (const entry of entries) {
      if (entry.command.op === 'resume' && job._runtime.status === 'failed') this.results.nextIncarnation(); // its failed run resumed: as at a take (takenInbox)
      this.applied = entry.id; // first: a checkpoint its status change snapshots is tagged with this cursor (status-cursor.spec.ts)
      this.commands.apply(job, entry);
    }
    this.cp?.save(job._runtime);
    this.poke();
  }

  /** Drops the local copy from the worker's flow without a checkpoint. */
  private forgetLocal(): void {
    [this.over, this.tapOff, this.checkpoint] = [true, true, undefined]; // (another owner may write it now)
    this.commands.dispose();
    this.pool?.dispose(); // first: dropping the local copy cancels it, no news for the pool
    if (this.job !== undefined) dropLocal(this.job, this.ctx.report);
  }
}
