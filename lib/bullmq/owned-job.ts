import type { Subscription } from 'rxjs';
import { ConfigurationError, WorkerLostError, describeError, type RoutiluxError } from '../errors/errors.js';
import type { JobStatus } from '../core/records.js';
import { JobState } from '../state/job-state.js';
import type { JobStore } from '../state/job-store.js';
import { Checkpointer } from '../runtime/checkpointer.js';
import type { Job } from '../flow/job.js';
import { isFencedWrite, fenced } from './fenced-error.js';
import { RELEASE_IDLE, RENEW } from './control-scripts.js';
import { OwnerCommands } from './owner-commands.js';
import { jobKeys, type JobKeys } from './redis-keys.js';
import { blankState, withStatus } from './state-edit.js';
import { ControlReader } from './control-reader.js';
import { PoolResults, loadInbox } from './pool-results.js';
import { materialize, type Materialized } from './materialize.js';
import type { ControlEntry, WireJob } from './wire.js';
import type { WorkerContext } from './worker-context.js';

const RESTING: ReadonlySet<JobStatus> = new Set(['paused', 'completed', 'failed', 'cancelled']);

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
 * const outcome = await new OwnedJob(ctx, 'order-17', grant.epoch, grant.recoveries, data).run();
 * ```
 */
export class OwnedJob {
  private readonly keys: JobKeys;
  private job: Job | undefined = undefined;
  private cp: Checkpointer | undefined = undefined;
  private readonly commands: OwnerCommands;
  private stateSub: Subscription | undefined = undefined;
  private readonly stops: Array<() => void> = [];
  /** The last control entry applied (saved with each checkpoint). */
  private applied = '';
  private readonly reader: ControlReader;
  /** Results of this job's pool activations (Tier 2). */
  readonly results = new PoolResults();
  private lost = false;
  /** Let go (released or handed over): nothing more is applied or written here. */
  private over = false;
  private poked = false;
  private wake: (() => void) | undefined = undefined;
  /** Commands are read by nudges only once the job runs here; a nudge before that reads after. */
  private ready = false;
  private nudgedEarly = false;

  constructor(
    private readonly ctx: WorkerContext,
    readonly jobId: string,
    private readonly epoch: string,
    private readonly recoveries: number,
    private readonly data: WireJob,
  ) {
    this.keys = jobKeys(ctx.prefix, jobId);
    this.commands = new OwnerCommands(ctx.flow, ctx.client, this.keys.channel, (e) => ctx.report(e));
    this.reader = new ControlReader(ctx.client, this.keys.control, (e) => ctx.report(e), (entries) => this.applyNow(entries), () => this.poke());
  }

  /** Owns the job until it is let go, lost or handed over. */
  async run(): Promise<Ownership> {
    try {
      this.stops.push(await this.ctx.nudges.watch(this.keys.nudge, (message) => this.nudged(message)));
      this.stops.push(() => this.reader.stop(), () => this.results.dispose());
      await loadInbox(this.ctx.client, this.keys.inbox, this.results);
      this.renewEvery(Math.max(50, Math.floor(this.ctx.lockDuration / 3)));
      const meta = await this.ctx.client.hgetall(this.keys.meta);
      this.applied = this.reader.seen = meta.cursor ?? '';
      const loaded = await this.ctx.store.load(this.jobId);
      const entries = await this.reader.read();
      if (this.recoveries > this.ctx.maxRecoveries) {
        return await this.giveUp(loaded, new WorkerLostError(`job '${this.jobId}' lost ${this.recoveries} owners that never let it go (maxRecoveries ${this.ctx.maxRecoveries}); its snapshot is kept: resume it once the cause is fixed`));
      }
      if (this.data.fp !== this.ctx.fingerprint) {
        return await this.giveUp(loaded, new ConfigurationError(`job '${this.jobId}' was started for another definition of flow '${this.ctx.flow.flowId}' (fingerprint ${this.data.fp}); this worker's is ${this.ctx.fingerprint}`));
      }
      let made: Materialized | undefined;
      try {
        made = materialize(this.ctx.flow, this.jobId, this.data, loaded, entries);
        if (made?.consumed !== undefined) {
          for (const e of entries.slice(0, entries.indexOf(made.consumed))) this.commands.refuse(loaded!, e);
          this.applied = made.consumed.id;
        }
      } catch (error) {
        return await this.giveUp(loaded, error as RoutiluxError);
      }
      if (made === undefined) return await this.letGo(loaded, entries);
      this.job = made.job;
      // Commands first: the first checkpoint is the state after them (a restored paused job
      // that a command resumes is never published paused again).
      this.commands.restore(made.job, meta);
      this.applyNow(made.rest);
      this.startCheckpoints(made.job);
      this.ready = true;
      if (this.nudgedEarly) this.reader.readSoon();
      return await this.loop();
    } finally {
      for (const stop of this.stops) stop();
      this.commands.dispose();
    }
  }

  /** The job's nudge channel: `r<key>\n<json>` is a pool result, anything else news on the control stream. */
  private nudged(message: string): void {
    if (message.startsWith('r')) {
      const nl = message.indexOf('\n');
      this.results.deliver(message.slice(1, nl), message.slice(nl + 1));
    } else if (this.ready) this.reader.readSoon();
    else this.nudgedEarly = true;
  }

  /** Another owner may have it now: stop everything here, write nothing more. */
  lose(): void {
    if (this.lost) return;
    this.lost = true;
    this.ctx.store.forget(this.jobId);
    this.forgetLocal();
    this.results.dispose();
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
      const status = this.job!.state.status;
      if (this.ctx.closing && (status === 'running' || status === 'pending')) return this.handoff();
      if (!this.quiet()) continue;
      this.cp!.notify(this.job!._runtime, true); // the quiescent state, whatever the last turn saved
      await this.cp!.flushed();
      if (this.lost) return 'lost';
      if (!this.quiet()) continue;
      const released = await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, '0', '1']);
      if (released === -1) return (this.lose(), 'lost');
      if (released === 0) {
        this.reader.readSoon();
        continue;
      }
      this.ctx.store.forget(this.jobId);
      this.forgetLocal();
      return 'done';
    }
  }

  /** Rests with nothing in flight and nothing unread. */
  private quiet(): boolean {
    const rt = this.job!._runtime;
    return RESTING.has(rt.status) && rt.work.running === 0 && !this.reader.busy;
  }

  /** Nothing to run: refuse what was read (a settled job) or leave it for the start delivery; release. */
  private async letGo(state: JobState | undefined, read: ControlEntry[]): Promise<Ownership> {
    let pending = read;
    for (;;) {
      if (state !== undefined) {
        for (const e of pending) this.commands.refuse(state, e);
        this.applied = this.reader.seen;
      }
      const released = await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, state === undefined ? '1' : '0', '0']);
      if (released !== 0) break;
      pending = await this.reader.read();
    }
    this.ctx.store.forget(this.jobId);
    return 'done';
  }

  /** The job failed before it could run here: stored failed with `error` (its snapshot kept), released. */
  private async giveUp(state: JobState | undefined, error: RoutiluxError): Promise<Ownership> {
    this.ctx.report(error);
    const base = state ?? blankState(this.jobId, this.ctx.flow.flowId, 'failed', Date.now());
    await this.ctx.store.saveWith(withStatus(base, 'failed', describeError(error)), { cursor: this.applied, epoch: this.epoch });
    await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, '1', '0']);
    this.ctx.store.forget(this.jobId);
    return 'done';
  }

  /** The worker closes while the job runs: pause it here, store it as running, let it go for another worker. */
  private async handoff(): Promise<Ownership> {
    const job = this.job!;
    this.stateSub?.unsubscribe();
    await job.pause('handoff').catch(() => undefined);
    await new Promise<JobState>((resolve) => job._runtime.whenIdle(false, resolve)); // its in-flight work settled
    await this.cp!.flushed();
    if (this.lost) return 'lost';
    const paused = job.state;
    const running = new JobState({ ...paused, status: 'running', pausePoints: paused.pausePoints.slice(0, -1) });
    await this.ctx.store.saveWith(running, { cursor: this.applied, epoch: this.epoch });
    await RELEASE_IDLE.run(this.ctx.client, [this.keys.meta, this.keys.control, this.keys.inbox], [this.ctx.owner, this.reader.seen, this.applied, '1', '0']);
    this.ctx.store.forget(this.jobId);
    this.forgetLocal();
    return 'handoff';
  }

  private startCheckpoints(job: Job): void {
    const store = this.ctx.store;
    let last: JobState | undefined;
    const writer: JobStore = {
      save: (state) => {
        if (this.lost || this.over) return Promise.reject(fenced(`job '${this.jobId}' is no longer owned here`, this.jobId, this.keys.state));
        // A paused job whose in-flight work just settled: published again (a client's pause() resolves on it).
        const settled = state.status === 'paused' && state.runningTasks.length === 0 && last?.status === 'paused' && last.runningTasks.length > 0;
        last = state;
        return store.saveWith(state, { cursor: this.applied, publish: settled, epoch: this.epoch }).then(() => undefined);
      },
      load: (id) => store.load(id),
      list: () => store.list(),
      delete: (id) => store.delete(id),
    };
    const cp = (this.cp = new Checkpointer(writer, 'always', this.ctx.checkpoint, 'fail'));
    const sub = cp.errors$.subscribe(({ error }) => (isFencedWrite(error) ? this.lose() : this.ctx.report(error)));
    this.stops.push(() => sub.unsubscribe());
    this.watchState(job);
  }

  /** Every snapshot of state$ (one per dispatch turn, one per status change) is checkpointed. */
  private watchState(job: Job): void {
    let status: JobStatus | undefined;
    this.stateSub?.unsubscribe();
    this.stateSub = job.state$.subscribe({
      next: (s) => {
        this.cp!.notify(job._runtime, s.status !== status);
        status = s.status;
        this.poke();
      },
      complete: () => this.poke(),
    });
    this.stops.push(() => this.stateSub?.unsubscribe());
  }

  /** Applies read commands; each one's effect is in the next checkpoint, which also saves the cursor. */
  private applyNow(entries: ControlEntry[]): void {
    const job = this.job;
    if (job === undefined || this.lost || this.over || entries.length === 0) return;
    for (const entry of entries) {
      this.commands.apply(job, entry);
      this.applied = entry.id;
    }
    if (this.commands.resumedFailed && this.cp !== undefined) this.watchState(job); // its state$ completed when it failed
    this.commands.resumedFailed = false;
    this.cp?.notify(job._runtime, true);
    this.poke();
  }

  private renewEvery(ms: number): void {
    const timer = setInterval(() => {
      RENEW.run(this.ctx.client, [this.keys.meta], [this.ctx.owner, this.ctx.lockDuration, this.epoch]).then(
        (ok) => ok === 0 && this.lose(),
        () => undefined, // Redis unreachable: the next renewal may land before the lease runs out
      );
    }, ms);
    timer.unref?.();
    this.stops.push(() => clearInterval(timer));
  }

  /** Drops the local copy from the worker's flow without a checkpoint (a paused or failed job would stay registered). */
  private forgetLocal(): void {
    this.over = true;
    this.stateSub?.unsubscribe();
    this.commands.dispose();
    const job = this.job;
    if (job === undefined) return;
    const status = job.state.status;
    try {
      if (status === 'failed') job.resume(); // a failed job cannot be cancelled; running, it can (nothing dispatches in between)
      if (status !== 'completed' && status !== 'cancelled') void job.cancel('let go by this worker').catch(() => undefined);
    } catch (error) {
      this.ctx.report(error);
    }
  }
}
