import type { Queue } from 'bullmq';
import type { BulkAdder } from './bulk-adder.js';
import { CancelledError, JobStateError, TimeoutError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import type { ActivationContext } from '../model/activation-context.js';
import type { PoolExecutor } from '../model/placement.js';
import type { RedisClient } from './lua-script.js';
import type { ReplayFence } from './replay-fence.js';
import { PoolOutcome } from './pool-outcome.js';
import { holdCheckpoints } from '../runtime/checkpoint-tap.js';
import { applyResult } from './pool-effects.js';
import { ATTEMPT_TIMEOUT, WIRE_VERSION, encodeValue, poolJobId, poolResultKey, poolResultKeyParts, type PoolWire } from './wire.js';

/**
 * @internal The pool results of one owned job, by key (activation id, attempt and a digest of
 * what ran: see poolResultKey): those in its inbox when the owner took it (a former owner
 * dispatched them), and those published since. A result is taken once: an activation whose
 * result is here is never dispatched again.
 *
 * @example
 * ```ts
 * results.deliver('a/3#1', '{"effects":[]}');
 * const raw = results.take('a/3#1');
 * ```
 */
export class PoolResults {
  private readonly ready = new Map<string, string>();
  private readonly waiters = new Map<string, { resolve(raw: string): void; reject(error: unknown): void }>();
  /**
   * Results applied that did more than emit (shared data, routine state, an output, a slot reset, a deferred event, a
   * pause, a handler error): their turn is saved at once, as a pool step elsewhere reads them in `jobState` (PoolTurnLag).
   */
  weighty = 0;
  /** Activations whose result is applied but which have not ended yet (see applied). */
  private readonly finishing = new Set<ActivationContext>();
  /** While a new owner replays the job: told what the replay takes and sends (see ReplayFence). */
  fence: ReplayFence | undefined = undefined;
  /** The job's incarnation, part of every result's key (up by one at each resume of the failed job: see takenInbox). */
  incarnation = 0;
  /** Set by the take (or a resume here): a result of another incarnation is dropped on arrival. */
  private known = false;
  /** The job is let go here (see dispose): it lives on with another owner, whatever happens to the local copy. */
  gone = false;
  /** What tells the pool to abort and unqueues each activation the job's failure let go, until that failure is stored (see failureStored). */
  private readonly unqueue: Array<() => void> = [];
  /** The run's failure is stored: what it lets go from now on is stopped at once. */
  private failureFinal = false;

  /**
   * A result arrived (published, or read from the inbox). A second result under the same key (the
   * activation ran again: its pool worker died before BullMQ recorded the completion) does not
   * replace the first: in inbox order, the first is the one a live owner applied.
   */
  deliver(key: string, raw: string): void {
    // (A result of another incarnation, of a run that failed, would never be taken: not kept.)
    if (this.known && (poolResultKeyParts(key)?.incarnation ?? 0) !== this.incarnation) return;
    const waiter = this.waiters.get(key);
    if (waiter !== undefined) return void (this.waiters.delete(key), waiter.resolve(raw));
    if (!this.ready.has(key)) this.ready.set(key, raw);
  }

  /**
   * The worker's subscriber reconnected: results published meanwhile were lost, so the job's
   * inbox is read again; only a result still awaited is delivered (an applied one is not kept again).
   */
  reread(client: RedisClient, inbox: string, report: (error: unknown) => void): void {
    client.xrange(inbox, '-', '+').then((entries) => {
      for (const [, f] of entries) if (this.awaits(f[f.indexOf('k') + 1])) this.deliver(f[f.indexOf('k') + 1], f[f.indexOf('r') + 1]);
    }, report);
  }

  /**
   * Pool activations of the job whose result was applied and that have not ended yet: under load
   * the flow's dispatcher starts the next activation before the one that emitted to it ends, so
   * two are in flight though only one result is still to come (see PoolTurnLag).
   */
  get applied(): number {
    this.dropEnded();
    return this.finishing.size;
  }

  /** `ctx`'s result was applied (those that ended since go here too: no lag may read the count). */
  noteApplied(ctx: ActivationContext): void {
    this.dropEnded();
    this.finishing.add(ctx);
  }

  private dropEnded(): void {
    for (const ctx of this.finishing) if (ctx.ended) this.finishing.delete(ctx);
  }

  /** Delivers the results here and not taken yet to `other`, in the order they came (a take's: see takenInbox). */
  handReadyTo(other: PoolResults): void {
    for (const [key, raw] of this.ready) other.deliver(key, raw);
    this.ready.clear();
  }

  /** The job's incarnation, as its take found it (see takenInbox). */
  setIncarnation(incarnation: number): void {
    this.incarnation = incarnation;
    this.known = true;
  }

  /** The job's failed run is resumed here: one incarnation up; a result of the run that failed is never taken, so none is kept. */
  nextIncarnation(): void {
    this.failureStored(); // (the run that failed is over for good: a resume is a command every owner applies)
    this.failureFinal = false;
    this.setIncarnation(this.incarnation + 1);
    this.ready.clear();
  }

  /** The keys of the results here and not taken yet (the inbox's at a take, and those published since). */
  readyKeys(): IterableIterator<string> {
    return this.ready.keys();
  }

  /** The result of `key` if it is here (removed: applied once). */
  take(key: string): string | undefined {
    const raw = this.ready.get(key);
    if (raw !== undefined) {
      this.ready.delete(key);
      this.fence?.taken(key);
    }
    return raw;
  }

  /** Whether this owner waits for the result of `key` (it sent that activation: see wait). */
  awaits(key: string): boolean {
    return this.waiters.has(key);
  }

  /** Resolves with the result of `key` when it arrives (the activation is sent to the pool). */
  wait(key: string): Promise<string> {
    this.fence?.sent();
    return new Promise((resolve, reject) => this.waiters.set(key, { resolve, reject }));
  }

  /** No result will come for `key` (its pool job was removed before it ran): its waiter rejects with `error`. */
  drop(key: string, error: unknown): void {
    this.waiters.get(key)?.reject(error);
    this.waiters.delete(key);
  }

  /** `stop` tells the pool to abort an activation the job's failure let go, and takes it off the queue, once that failure is stored (see failureStored). */
  whenFailureStored(stop: () => void): void {
    if (this.failureFinal) stop();
    else this.unqueue.push(stop);
  }

  /**
   * The job's failure is stored by this owner's fenced save (no newer owner replays this run), so the activations it
   * let go are stopped (see whenFailureStored). Not before: a stale owner's failure must leave a newer owner's replay alone.
   */
  failureStored(): void {
    this.failureFinal = true;
    const stops = this.unqueue.splice(0);
    for (const stop of stops) stop();
  }

  /** The job is let go here: activations still waiting end (their job no longer runs here). */
  dispose(): void {
    this.gone = true;
    this.unqueue.length = 0;
    for (const [key, waiter] of this.waiters) waiter.reject(new JobStateError(`pool activation ${key}: its job is no longer owned here`));
    this.waiters.clear();
    this.ready.clear();
    this.finishing.clear();
  }
}

/** @internal What the owner side of the pool needs from its worker. */
export interface PoolOwner {
  /** The results of a job this worker owns, or undefined (a job run here some other way: in place). */
  resultsOf(jobId: string): PoolResults | undefined;
  readonly queue: Queue;
  readonly adder: BulkAdder;
  readonly client: RedisClient;
  /** The channel on which an aborted activation is announced to the pool. */
  readonly abortChannel: string;
}

/**
 * @internal The {@link PoolExecutor} a worker installs on its flow: an activation of a `'pool'`
 * routine in a job it owns is sent to the pool queue (unless its result is already here), and
 * its buffered effects are applied through the owner's context when the result comes: emits in
 * order, shared data, routine state, slot reset, deferred events, outputs, a pause; a handler
 * error fails the activation here, under the routine's error policy.
 *
 * @example
 * ```ts
 * setPoolExecutor(flow, poolExecutor(owner));
 * ```
 */
export function poolExecutor(owner: PoolOwner): PoolExecutor {
  return (ctx, payload) => {
    const results = owner.resultsOf(ctx.jobId);
    return results === undefined ? undefined : runOnPool(owner, results, ctx, payload);
  };
}

/**
 * Runs one pool activation of an owned job: its result applied (from the inbox at a replay, else
 * sent to the pool and awaited) and the activation ended in the same synchronous step.
 */
function runOnPool(owner: PoolOwner, results: PoolResults, ctx: ActivationContext, payload: Payload): PoolOutcome {
  const outcome = new PoolOutcome();
  const fail = (error: unknown): void =>
    end(results, ctx, outcome, () => {
      throw error;
    });
  let sent: { key: string; encoded: unknown; raw: string | undefined };
  try {
    const encoded = encodeValue(payload, `pool activation ${ctx.activationId}#${ctx.attempt}: payload`);
    const key = poolResultKey(ctx.activationId, ctx.attempt, ctx.routineId, ctx.slotName, encoded, results.incarnation);
    sent = { key, encoded, raw: results.take(key) };
  } catch (error) {
    fail(error);
    return outcome;
  }
  const { key, encoded, raw } = sent;
  // A replay's result (from the inbox) ends its activation at once too. (A replay taking every result may then settle
  // the job in its first turn: a ReplayFence holding commands read at the take holds the job open until it applied them.)
  if (raw !== undefined) end(results, ctx, outcome, () => applyResult(ctx, key, raw, () => results.noteApplied(ctx)));
  else sendAndWait(owner, results, ctx, key, encoded).then((got) => end(results, ctx, outcome, () => applyResult(ctx, key, got, () => results.noteApplied(ctx))), fail);
  return outcome;
}

/**
 * Runs `apply` (a result's effects, or the failure to get one) and ends the activation right
 * after, with no microtask between (see PoolOutcome), and no checkpoint moment between either (a
 * pause among the effects rests the job: see holdCheckpoints). Only an applied result that
 * emitted and did nothing else leaves no mark; any other way out (the handler's error, a send
 * that failed, shared data, ...) counts as weighty first, so that its turn is saved at once (see PoolTurnLag).
 */
function end(results: PoolResults, ctx: ActivationContext, outcome: PoolOutcome, apply: () => boolean): void {
  let plain = false;
  let failure: { error: unknown } | undefined = undefined;
  const release = holdCheckpoints(ctx.host);
  try {
    plain = apply();
  } catch (error) {
    failure = { error };
  }
  if (!plain) results.weighty++;
  try {
    outcome.end(failure);
  } finally {
    release();
  }
}

/** Sends the activation to the pool; resolves with its result (raw JSON) when it comes. */
async function sendAndWait(owner: PoolOwner, results: PoolResults, ctx: ActivationContext, key: string, encoded: unknown): Promise<string> {
  const waiting = results.wait(key);
  waiting.catch(ignore); // (a send that fails leaves it unawaited; the ownership's end rejects it)
  const data: PoolWire = { v: WIRE_VERSION, jobId: ctx.jobId, key, seq: ctx.seq, attempt: ctx.attempt, routineId: ctx.routineId, slotName: ctx.slotName, payload: encoded };
  const tell = (name: string): void => void owner.client.publish(owner.abortChannel, `${key}\n${name}`).catch(() => undefined);
  // The attempt alone timing out (activationTimeout) is told at once (before the job's own
  // abort, if the timeout fails the job): the pool stops waiting for its handler then, as the
  // owner did, so a handler that never settles frees its pool slot. Still queued, it is also
  // removed: a pool member remembers a word for an activation it does not run only a minute
  // (see startPool), and once a slot is free it would run unaborted.
  const remove = (error: Error): void => void owner.queue.remove(poolJobId(key)).then((removed) => void (removed === 1 && results.drop(key, error)), ignore);
  let timedOut = false;
  const timeOut = (): void => {
    tell(ATTEMPT_TIMEOUT);
    remove(new TimeoutError(`pool activation ${key} timed out before the pool took it`));
  };
  ctx.onTimeout(() => ((timedOut = true), tell(ATTEMPT_TIMEOUT)));
  await owner.adder.add(owner.queue, 'activation', data, { jobId: poolJobId(key), removeOnComplete: true, removeOnFail: true, attempts: 1 });
  // The job's signal (not ctx.signal, whose listener on the job's would stay for the job's life):
  // when the job is cancelled or fails, the pool is told to abort the activation. (Either told
  // while the add was on its way is told again: the pool may not have had it then.) It is also
  // taken off the queue if no member took it yet (a member keeps a word only a minute). A cancel
  // at once (a command: any next owner applies it too); a failure only once this owner stored it
  // (see PoolResults.dispose): a stale owner's failure must neither abort nor take away the
  // activation of a newer owner's replay (the same pool job), which would fail or wait for ever.
  const signal = ctx.host.abortSignal();
  const onAbort = (): void => {
    // The local copy of a job let go here (lost, handed over) is cancelled to drop it: the job
    // lives on, and its next owner replays this activation under the same key (the same pool
    // job): nothing is told, nothing removed.
    if (results.gone) return;
    const reason = signal.reason as Error;
    const stop = (): void => (tell(String(reason?.name ?? 'Error')), remove(reason));
    if (reason instanceof CancelledError) stop();
    else results.whenFailureStored(stop);
  };
  if (timedOut) timeOut();
  else ctx.onTimeout(timeOut);
  if (signal.aborted) onAbort();
  else signal.addEventListener('abort', onAbort, { once: true });
  try {
    return await waiting;
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}

function ignore(): void {}
