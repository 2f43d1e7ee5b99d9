import { Subject } from 'rxjs';
import { isResting, isTerminal } from '../core/job-status.js';
import type { JobStatus } from '../core/records.js';
import { JobState } from '../state/job-state.js';
import { parseMessage, type AckMessage } from './wire.js';
import { ResumeFence } from './resume-fence.js';
import { RepeatFilter } from './repeat-filter.js';
import { answerOp, refusal, settleOp, type PendingOp } from './pending-op.js';

/** A `wait()` for the next resting status. */
type Waiter = Pick<PendingOp, 'resolve' | 'reject'>;

/**
 * @internal A client's view of one remote job, kept from the job's channel: the latest state
 * (ordered by the publication seq, stale messages dropped; the JSON parsed only when somebody
 * looks at it), `state$` and `wait()` subscribers, emissions and outputs, and the pause and
 * cancel calls waiting for their outcome. Pure bookkeeping: the RemoteJob sends the commands.
 *
 * @example
 * ```ts
 * const view = new RemoteView(blankState('a', 'orders', 'pending', Date.now()), 0);
 * view.receive('s1 running\n{...}');
 * ```
 */
export class RemoteView {
  private states: Subject<JobState> | undefined = undefined;
  private waiters: Waiter[] = [];
  /** Set once nothing more can be heard of the job here (its runner closed): what waits gets it. */
  private lost: unknown = undefined;
  private ops: PendingOp[] = [];
  /** Pauses and cancels being sent, and the answers heard meanwhile that no tracked op took (an ack can come before the command's reply). */
  private sending = 0;
  private answers: Map<string, [AckMessage, string, number]> | undefined = undefined;
  /** The view shows a pause's settled state from its owner's answer: the status its checkpoint publishes next is no news. */
  private echo = false;
  /** Resumes sent from here (entry ids): the owner's refusal of one (the job had ended) calls `resumeRefused`. */
  private resumes: ResumeFence | undefined = undefined;
  resumeRefused: (() => void) | undefined = undefined;
  /** While a resume is being sent: messages wait here until its seq says which are stale. */
  private held: Array<[number, JobStatus, string | JobState, string?]> | undefined = undefined;
  private state: JobState | undefined = undefined;
  private blank: (() => JobState) | undefined = undefined;
  private text: string | undefined = undefined;
  status: JobStatus; // the latest (known without parsing the state)
  /** Told once the job ends here: a terminal status, or the view lost (see {@link onEnd}). */
  private ends: (() => void) | undefined = undefined;
  private emitted: Subject<{ routineId: string; eventName: string; data: unknown }> | undefined = undefined;
  private outputted: Subject<Record<string, unknown>> | undefined = undefined;
  private repeats: RepeatFilter | undefined = undefined; // (emissions and outputs an owner's connection published twice)

  /** `state` a function: the blank state of a pending job, made only if read before any message came (most never are). */
  constructor(state: JobState | (() => JobState), public seq: number) {
    if (typeof state === 'function') {
      this.blank = state;
      this.status = 'pending';
    } else {
      this.state = state;
      this.status = state.status;
    }
  }

  /** Observed emissions (made on first use: most handles never observe). */
  get emissions(): Subject<{ routineId: string; eventName: string; data: unknown }> {
    return (this.emitted ??= new Subject());
  }

  /** Published outputs (made on first use). */
  get outputs(): Subject<Record<string, unknown>> {
    return (this.outputted ??= new Subject());
  }

  get current(): JobState {
    if (this.state === undefined) {
      this.state = this.text === undefined ? this.blank!() : JobState.fromJSON(this.text);
      this.text = undefined;
    }
    return this.state;
  }

  get resting(): boolean {
    return isResting(this.status);
  }

  get terminal(): boolean {
    return isTerminal(this.status);
  }

  kept = 0; // streams that outlive a failure (an output$: the job may be resumed from anywhere)
  /** The job's channel is still needed: a pause or cancel is being sent or waits for its outcome, or a failed job's stream is kept open. */
  get busy(): boolean {
    return this.sending > 0 || this.ops.length > 0 || (this.kept > 0 && this.status === 'failed');
  }

  /** The Subject behind `state$` (closed at a terminal status, made again after a resume; completed once the view is lost). */
  stateSubject(): Subject<JobState> {
    if (this.states !== undefined) return this.states;
    const states = new Subject<JobState>();
    if (this.lost !== undefined) states.complete(); // nothing more will come: what subscribes now ends at once
    else this.states = states;
    return states;
  }

  /** Why nothing more will be heard of the job here (see {@link lose}), or undefined. */
  get lostError(): unknown {
    return this.lost;
  }

  /** Calls `end` once the job reaches a terminal status or the view is lost (at once if it has). */
  onEnd(end: () => void): void {
    if (this.terminal || this.lost !== undefined) return end();
    const before = this.ends;
    this.ends = before === undefined ? end : () => (before(), end());
  }

  /** Resolves at the next resting status (at once when resting now); returns the removal. */
  addWaiter(resolve: (state: JobState) => void, reject: (error: unknown) => void): () => void {
    const waiter: Waiter = { resolve, reject };
    this.add(waiter);
    return () => void (this.waiters = this.waiters.filter((w) => w !== waiter));
  }

  /** {@link addWaiter} without making a removal (a wait with no timeout or signal never removes itself). */
  waitFor(resolve: (state: JobState) => void, reject: (error: unknown) => void): void {
    this.add({ resolve, reject });
  }

  /**
   * Nothing more will be heard of the job here (its runner closed): what waits for a status or an outcome
   * is rejected with `error` (also when it asks later), and `state$` completes, as a closed source's
   * streams do (an error would reach subscribers without an error callback as an uncaught exception).
   */
  lose(error: unknown): void {
    if (this.lost !== undefined || this.status === 'completed' || this.status === 'cancelled') return; // (failed: what is kept open ends)
    this.lost = error;
    const waiters = this.waiters;
    const ops = this.ops;
    this.waiters = [];
    this.ops = [];
    for (const w of waiters) w.reject(error);
    for (const op of ops) op.reject(error);
    this.end();
  }

  /** Nothing more comes: `state$` completes, and what waits for the end is told. */
  private end(): void {
    const s = this.states;
    const ends = this.ends;
    this.states = this.ends = this.resumes = undefined;
    s?.complete();
    ends?.();
  }

  private add(waiter: Waiter): void {
    if (this.resting) waiter.resolve(this.current);
    else if (this.lost !== undefined) waiter.reject(this.lost);
    else this.waiters.push(waiter);
  }

  /** A message of the job's channel. */
  receive(message: string): void {
    const m = parseMessage(message);
    if (m === undefined) return;
    if (m.type === 's') {
      if (this.held !== undefined) this.held.push([m.seq, m.status, m.text, m.cursor]);
      else if (m.seq > this.seq && this.resumes?.stale(m.status, m.cursor) !== true) this.apply(m.seq, m.status, m.text);
    } else if (m.type === 'a') this.acked(m.ack, m.text);
    else if ((this.repeats ??= new RepeatFilter()).repeated(m.body.q)) return;
    else if (m.type === 'e') this.emitted?.next(m.body as { routineId: string; eventName: string; data: unknown });
    else this.outputted?.next(m.body);
  }

  /** A state read from the store at publication `seq`: kept unless a newer message came first. */
  offer(seq: number, state: JobState): void {
    if (seq >= this.seq) this.apply(seq, state.status, state);
  }

  /** A state re-read after messages may have been lost: kept only when newer than the view's (held during a resume, as messages are). */
  catchUp(seq: number, state: JobState): void {
    if (this.held !== undefined) this.held.push([seq, state.status, state]);
    else if (seq > this.seq) this.apply(seq, state.status, state);
  }

  /** A local change not (yet) published: the view says it at once (e.g. `running` after resume()). */
  local(state: JobState): void {
    this.apply(this.seq, state.status, state);
  }

  /** A resume is being sent: hold status messages until {@link release} names the stale ones. */
  hold(): void {
    this.held ??= [];
  }

  /**
   * The resume was queued when the status seq was `seq`: older messages are stale, unless the
   * latest of them says the job had ended (the owner refuses the resume) or was running already
   * (resumed by another client: this resume changes nothing).
   */
  release(seq: number): void {
    const held = this.held ?? [];
    this.held = undefined;
    let last: (typeof held)[number] | undefined;
    for (const h of held) if (h[0] > this.seq && h[0] <= seq && (last === undefined || h[0] >= last[0])) last = h;
    if (last !== undefined && (last[1] === 'completed' || last[1] === 'cancelled' || last[1] === 'running')) this.apply(last[0], last[1], last[2]);
    this.seq = Math.max(this.seq, seq);
    for (const [s, status, text, cursor] of held) if (s > this.seq && this.resumes?.stale(status, cursor) !== true) this.apply(s, status, text);
  }

  /** A pause or cancel is being sent: refusals heard until it is tracked are kept for it. */
  sendingOp(): void {
    this.sending++;
  }

  /**
   * The pause or cancel being sent was queued as entry `id` at status seq `seq`: settle it by
   * what follows (or by its refusal, heard already). Undefined: it could not be sent.
   */
  track(op: PendingOp | undefined): void {
    const answer = this.sentOne(op?.id);
    if (op === undefined) return;
    if (this.lost !== undefined) return op.reject(this.lost);
    if (answer !== undefined) return this.answer(op, ...answer);
    // Ended when it was queued: its owner refuses it (and nothing more is heard once the listener stopped).
    const s = this.status;
    if (this.seq === op.seq && (s === 'completed' || s === 'cancelled')) return op.reject(refusal(op, this.current.jobId, s));
    this.ops.push(op);
    this.settleOps(this.seq);
  }

  /** The job was never queued: the pauses and cancels waiting for its owner's answer are refused with `error`. */
  refuseOps(error: unknown): void {
    for (const op of this.ops.splice(0)) op.reject(error);
  }

  /** The resume being sent (counted by {@link sendingOp}) was queued as entry `id` (undefined: not sent). */
  trackResume(id: string | undefined): void {
    const answer = this.sentOne(id);
    if (id === undefined) return;
    if (answer?.[0].ok === false) this.resumeRefused?.();
    else (this.resumes ??= new ResumeFence()).add(id);
  }

  /** A command being sent was queued as entry `id` (undefined: not sent): the answer heard for it meanwhile. */
  private sentOne(id: string | undefined): [AckMessage, string, number] | undefined {
    const answer = id === undefined ? undefined : this.answers?.get(id);
    if (--this.sending === 0) this.answers = undefined;
    return answer;
  }

  /** The stored state read after a resume from here was refused: kept when the job had ended, even if its message was older than the resume. */
  keepEnded(seq: number, state: JobState): void {
    if ((state.status === 'completed' || state.status === 'cancelled') && !this.terminal) this.apply(Math.max(seq, this.seq), state.status, state);
  }

  private apply(seq: number, status: JobStatus, state: JobState | string): void {
    const echo = this.echo && status === 'paused';
    this.echo = false;
    this.seq = seq;
    this.status = status;
    if (typeof state === 'string') {
      this.state = undefined;
      this.text = state;
    } else {
      this.state = state;
      this.text = undefined;
    }
    if (this.states !== undefined && !echo) this.states.next(this.current);
    this.settleOps(seq);
    if (isResting(status)) {
      const waiters = this.waiters;
      this.waiters = [];
      for (const w of waiters) w.resolve(this.current);
    }
    if (isTerminal(status)) this.end();
  }

  private settleOps(seq: number): void {
    if (this.ops.length > 0) this.ops = this.ops.filter((op) => seq <= op.seq || !settleOp(op, this.status, () => this.current));
  }

  /** An owner's answer to a pause or cancel: a refusal, or the state a pause settled at (see OwnerCommands). */
  private acked(ack: AckMessage, text: string): void {
    if (ack.ok && text === '') return;
    if (!ack.ok && this.resumes?.delete(ack.id)) return this.resumeRefused?.();
    const before = this.ops.length;
    this.ops = this.ops.filter((op) => op.id !== ack.id || (this.answer(op, ack, text, this.seq), false));
    if (this.ops.length === before && this.sending > 0) (this.answers ??= new Map()).set(ack.id, [ack, text, this.seq]);
  }

  /**
   * Settles `op` by its owner's answer, heard at status seq `seq`. A pause's answer comes before
   * the status its checkpoint publishes: the view says paused at once, as a local job does when
   * its pause() resolves (a resume() right after must not be refused), unless news came since.
   */
  private answer(op: PendingOp, ack: AckMessage, text: string, seq: number): void {
    const state = answerOp(op, ack, text, this.current.jobId);
    if (state === undefined || seq !== this.seq || !(this.status === 'running' || this.status === 'pending' || this.status === 'paused')) return;
    this.apply(seq, state.status, state);
    this.echo = state.status === 'paused';
  }
}
