import { Observable, type Observer } from 'rxjs';
import { ConfigurationError, JobStateError, describeError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { OutputRecord } from '../core/records.js';
import type { JobState } from '../state/job-state.js';
import { ExecutionTracker } from '../runtime/execution-tracker.js';
import type { Flow } from '../flow/flow.js';
import { Job, type WaitOptions } from '../flow/job.js';
import { RemoteView } from './remote-view.js';
import { withStatus } from './state-edit.js';
import type { ControlCommand } from './wire.js';
import { remoteEmissions, remoteOutputs } from './remote-streams.js';
import type { RemoteLink } from './remote-link.js';
import { RemoteListener } from './remote-listener.js';
import { CommandChain } from './command-chain.js';
import { checkPayload, portArgs } from './remote-ports.js';
import { remoteInput } from './remote-input.js';
import { waitForView } from './remote-wait.js';
import { isStartNotQueued } from './start-not-queued.js';
import { checkCancelReason, checkPauseArgs, refusal } from '../runtime/job-arguments.js';
import type { Slot } from '../model/slot.js';
import type { Event } from '../model/event.js';

/**
 * A handle on a job that runs on worker processes (see `BullMQRunner`): the same API as a
 * local {@link Job}, served by Redis. Commands (pause, resume, cancel, send, input, close) go
 * to the job's control stream and are applied by whichever worker owns the job, in order, even
 * when ownership moves; state comes from the status messages the owner publishes (no
 * polling): `state$` emits at each status change and when a paused job's work has settled
 * (not after every dispatch turn, as a local job's does). `observe` and `output$` ask the owner
 * to publish that event's payloads or the outputs, from when it receives the request.
 *
 * @example
 * ```ts
 * const job = flow.start('intake', { id: 42 }, { runner });   // a RemoteJob
 * job.observe('invoice', 'out').subscribe(console.log);
 * const final = await job.wait();
 * ```
 */
export class RemoteJob extends Job {
  /** @internal */ readonly _view: RemoteView;
  private readonly chain: CommandChain; // the steps sent, in call order
  private readonly listener: RemoteListener;
  private asked: Set<string> | undefined = undefined; // requests sent once per handle (made on first use)
  private trackerOf: [JobState, ExecutionTracker] | undefined = undefined;
  private inputs = 0;
  /** Cancels given on this handle whose outcome is not known yet: in-process a cancelled job takes no more input or control at once (see `op`). */
  private cancelling = 0;
  private pausing = 0; // pause() calls on this handle not settled yet (a resume after one is taken, as in-process)
  /** @internal What the last resume() sent, rejecting with its failure; BullMQRunner.resume awaits it (then the failure is not reported on errors$). */
  _resumed: Promise<void> | undefined = undefined; // (no promise per handle: a start makes two at most, review s12a)
  /** @internal */ _resumeAwaited = false;

  /** @internal Made by `BullMQRunner`. */
  constructor(
    readonly flow: Flow,
    private readonly id: string,
    state: JobState | (() => JobState),
    seq: number,
    private readonly link: RemoteLink,
  ) {
    super(undefined as never, undefined as never); // no local runtime: every member is served from Redis below
    this._view = new RemoteView(state, seq);
    this.listener = new RemoteListener(id, this._view, link);
    this.chain = new CommandChain(id, this.listener);
    // A resume from here refused (the job had ended: its message may have been dropped as stale): the store says how.
    this._view.resumeRefused = () => void this.link.load(this.id).then((l) => (l && this._view.keepEnded(l.seq, l.state), this.listener.seen()), this.link.report);
  }

  override get jobId(): string {
    return this.id;
  }

  override get state(): JobState {
    return this._view.current;
  }

  override get state$(): Observable<JobState> {
    return new Observable<JobState>((subscriber) => {
      // Subscribed to the changes before the current state goes out, as in-process: a change the
      // subscriber makes on that first state (resume(): 'running' at once) reaches it too (the
      // owner may never publish it: its saves coalesce running into completed). Settled or lost: as before.
      if (this._view.terminal || this._view.lostError !== undefined) subscriber.next(this._view.current);
      if (this._view.terminal) return subscriber.complete();
      const changes = this._view.stateSubject().subscribe(subscriber);
      if (this._view.lostError === undefined) subscriber.next(this._view.current);
      return changes;
    });
  }

  override get output$(): Observable<OutputRecord> {
    return remoteOutputs(this._view, this.id, () => this.ask('outputs', { op: 'outputs' }, ['outputs', '1']), () => this.keepListening());
  }

  /** Execution tracking as of the latest state received. */
  override get tracker(): ExecutionTracker {
    const state = this._view.current;
    if (this.trackerOf?.[0] !== state) (this.trackerOf = [state, new ExecutionTracker(this.flow.historyLimit)])[1].restore(state.tracker);
    return this.trackerOf[1];
  }

  /** Resolves at the next resting status the owner publishes (at once when resting now). */
  override wait(options: WaitOptions = {}): Promise<JobState> {
    return waitForView(this._view, this.flow.scheduler, this.id, options);
  }

  /** Asks the owner to pause; resolves once the paused job's in-flight work has settled. @throws {JobStateError} (rejects) unless pending or running. */
  override pause(reason = '', checkpoint: Payload = {}): Promise<JobState> {
    return refusal(() => checkPauseArgs(this.id, reason, checkpoint)) ?? this.op('pause', { op: 'pause', reason, checkpoint }); // (refused as locally, not by the owner later: nothing sent)
  }

  /** Resumes a paused or failed job on a worker; the status is `running` when this returns. @throws {JobStateError} in any other status. */
  override resume(): Job {
    this.requireRunner('resume');
    const status = this._view.status;
    if (status !== 'paused' && status !== 'failed' && this.pausing === 0) throw new JobStateError(`cannot resume job '${this.id}': it is ${status}`);
    if (this.cancelling > 0) throw new JobStateError(`cannot resume job '${this.id}': it is being cancelled (cancel() was called on this handle)`);
    const before = this._view.current;
    this._view.hold();
    this._view.local(withStatus(before, 'running', null));
    const shown = this._view.seq;
    const watching = this.chain.watchSoon();
    this._view.sendingOp(); // (its refusal can come before the reply)
    let sent!: (failure?: unknown) => void;
    (this._resumed = new Promise<void>((resolve, reject) => (sent = (failure) => (failure === undefined ? resolve() : reject(failure))))).catch(() => undefined);
    this.chain.enqueue(
      async () => {
        await watching;
        const { id, seq } = await this.link.control(this.flow, this.id, { op: 'resume' });
        this._view.trackResume(id); // (first: a held status saved before the owner read it is stale)
        this._view.release(seq);
        this.listener.seen(); // (what was held may have ended the job)
        sent();
      },
      (error) => {
        // Not sent: the job is as it was, unless news came meanwhile; the failure is reported (nobody awaits resume()).
        this._view.release(this._view.seq);
        this._view.trackResume(undefined);
        if (this._view.seq === shown && this._view.status === 'running') this._view.local(before);
        this.listener.seen();
        if (!this._resumeAwaited) this.link.report(error);
        sent(error ?? new JobStateError(`job '${this.id}': its resume was not sent`));
      },
    );
    return this;
  }

  /** Asks the owner to cancel; resolves with the cancelled state. Until it settles, this handle refuses send, input, pause and resume (a local job is cancelled at once). @throws {JobStateError} (rejects) once the job settled. */
  override cancel(reason?: string): Promise<JobState> {
    return refusal(() => checkCancelReason(this.id, reason)) ?? this.op('cancel', { op: 'cancel', ...(reason === undefined ? {} : { reason }) }); // (refused as locally: nothing sent)
  }

  /** Queues an activation of `routineId.slotName` with `data` in the job (applied by its owner, in order). */
  override send<T extends object>(slot: Slot<T>, data: NoInfer<T>): void;
  override send(routineId: string, slotName: string, data: object): void;
  override send(first: string | Slot<any>, second: unknown, third?: object): void {
    const [routineId, slotName, data] = portArgs(this.flow, 'send', first, second, third);
    this.requireSlot(routineId, slotName, 'send');
    this.requireAccepting('send to', true);
    checkPayload(data, `send('${routineId}', '${slotName}')`);
    this.command({ op: 'send', routineId, slotName, data });
  }

  /** An Observer feeding `routineId.slotName`; the job stays open until it completes. */
  override input<T extends object>(slot: Slot<T>): Observer<T>;
  override input(routineId: string, slotName: string): Observer<object>;
  override input(first: string | Slot<any>, second?: string): Observer<any> {
    const [routineId, slotName] = portArgs(this.flow, 'input', first, second);
    this.requireSlot(routineId, slotName, 'input');
    this.requireAccepting('open an input of', true);
    const id = `${Date.now().toString(36)}-${++this.inputs}-${Math.random().toString(36).slice(2, 8)}`;
    this.command({ op: 'hold', id, routineId, slotName }, [`hold:${id}`, JSON.stringify({ routineId, slotName })]);
    return remoteInput(id, routineId, slotName, (command, meta) => this.command(command, meta), () => this.ended());
  }

  /** For open jobs: no more input; the job settles once its work is done. */
  override close(): void {
    if (!this.ended()) this.command({ op: 'close' });
  }

  /** Payloads of one event in this job, published by the owner from when it gets the request. */
  override observe<T extends object>(event: Event<T>): Observable<T>;
  override observe(routineId: string, eventName: string): Observable<Payload>;
  override observe(first: string | Event<any>, second?: string): Observable<any> {
    const [routineId, eventName] = portArgs(this.flow, 'observe', first, second);
    const routine = this.flow.getRoutine(routineId);
    if (routine === undefined) throw new ConfigurationError(`job '${this.id}': flow '${this.flow.flowId}' has no routine '${routineId}'`);
    if (routine.getEvent(eventName) === undefined) throw new ConfigurationError(`job '${this.id}': routine '${routineId}' has no event '${eventName}'`);
    const key = `obs:${routineId}\u0000${eventName}`;
    return remoteEmissions(this._view, this.id, routineId, eventName, () => this.ask(key, { op: 'observe', routineId, eventName }, [key, '1']));
  }

  /**
   * @internal Runs `submit` first in this job's command chain once the runner's channel is live
   * (see `CommandChain.start`): it registers the id naming that channel, calls `follow` once the id
   * is granted and returns the step that queues the job. A failure fails the view, unless the
   * runner was closed meanwhile and whether the job was queued is unknown (waiters are told so).
   */
  _submit(submit: (follow: () => void) => Promise<() => Promise<void>>): void {
    const failed = (error: unknown): void => {
      if (!this.link.closed() || isStartNotQueued(error)) {
        // Never queued: a pause or cancel sent before gets no answer, nothing is published for it.
        this._view.local(withStatus(this._view.current, 'failed', describeError(error)));
        this._view.refuseOps(new JobStateError(`job '${this.id}' was not started (${describeError(error).message})`));
        return this.listener.stop();
      }
      this._view.lose(new JobStateError(`its BullMQRunner was closed while job '${this.id}' was being started: it may or may not have been queued (look for it with another runner's runner.job(flow, id))`));
    };
    this.chain.start(() => this.link.followed(), submit, failed);
  }

  /** @internal Starts listening to the job's channel (idempotent); see {@link RemoteListener}. */
  watch(): Promise<void> {
    return this.listener.watch();
  }

  /** @internal Stops listening when the state offered from the store is terminal, or at once for a refused attach. */
  _settleWatch(refused: boolean): void {
    return refused ? this.listener.stop() : this.listener.seen();
  }

  private op(kind: 'pause' | 'cancel', command: ControlCommand): Promise<JobState> {
    const status = this._view.status;
    const allowed = kind === 'pause' ? status === 'pending' || status === 'running' : status !== 'completed' && status !== 'cancelled' && status !== 'failed';
    if (!allowed || this.cancelling > 0) return Promise.reject(new JobStateError(`cannot ${kind} job '${this.id}': it is ${allowed ? 'being cancelled (cancel() was called on this handle)' : status}`));
    const watching = this.chain.watchSoon();
    // Counted from now, not from its turn to be sent: a job that fails while this waits behind
    // other steps is still listened to, and the owner's refusal of it is heard.
    this._view.sendingOp();
    if (kind === 'cancel') this.cancelling++;
    else this.pausing++;
    const settled = kind === 'cancel' ? () => void this.cancelling-- : () => void this.pausing--; // (once its outcome is known, the status says what is taken)
    const outcome = new Promise<JobState>((resolve, reject) => {
      this.chain.enqueue(
        async () => {
          await watching;
          const sent = await this.link.control(this.flow, this.id, command);
          this._view.track({ kind, id: sent.id, seq: sent.seq, resolve, reject });
          this.listener.seen();
        },
        (error) => {
          this._view.track(undefined); // (never thrown after its track: see above)
          this.listener.seen();
          reject(error);
        },
      );
    });
    return outcome.finally(settled);
  }

  /** Listens past a failure, for a stream that stays open (the job may be resumed from anywhere); returns the release. */
  private keepListening(): () => void {
    this._view.kept++;
    this.listener.watch().catch((error: unknown) => this._view.lose(error)); // (its runner closed: the stream ends)
    return () => (this._view.kept--, this.listener.seen());
  }

  /** Sends a command nobody awaits, in order; a failure to send it goes to the runner's `errors$`. */
  private command(command: ControlCommand, meta?: [string, string]): void {
    this.chain.enqueue(() => this.link.control(this.flow, this.id, command, meta).then(() => undefined), (error) => this.link.report(error));
  }

  /** Sends a request once per job handle (observe an event, publish outputs). */
  private ask(key: string, command: ControlCommand, meta: [string, string]): void {
    const asked = (this.asked ??= new Set());
    if (asked.has(key)) return;
    asked.add(key);
    const watching = this.chain.watchSoon();
    this.chain.enqueue(async () => {
      await watching;
      await this.link.control(this.flow, this.id, command, meta);
    }, () => asked.delete(key));
  }

  private ended(): boolean {
    return this._view.status === 'completed' || this._view.status === 'cancelled';
  }

  private requireSlot(routineId: string, slotName: string, what: string): void {
    const routine = this.flow.getRoutine(routineId);
    if (routine === undefined) throw new ConfigurationError(`${what}('${routineId}', '${slotName}'): flow '${this.flow.flowId}' has no routine '${routineId}'`);
    if (routine.getSlot(slotName) === undefined) throw new ConfigurationError(`${what}('${routineId}', '${slotName}'): routine '${routineId}' has no slot '${slotName}'`);
  }

  /** Nothing is sent once the runner closed: the call is refused here (as the closed runner refuses work), not reported later as if it had been sent. */
  private requireRunner(what: string): void {
    if (this.link.closed()) throw new ConfigurationError(`cannot ${what} job '${this.id}': its BullMQRunner was closed (the job goes on on the workers; follow it with another runner's runner.job(flow, id))`);
  }

  /** A failed remote job takes no input until resumed (no owner keeps what arrives meanwhile). */
  private requireAccepting(what: string, notFailed = false): void {
    this.requireRunner(what);
    if (this.ended() || (notFailed && this._view.status === 'failed')) {
      throw new JobStateError(`cannot ${what} job '${this.id}': it is ${this._view.status}${this._view.status === 'failed' ? ' (resume it first)' : ''}`);
    }
    if (this.cancelling > 0) throw new JobStateError(`cannot ${what} job '${this.id}': it is being cancelled (cancel() was called on this handle)`);
  }
}
