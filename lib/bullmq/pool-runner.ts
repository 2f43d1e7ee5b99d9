import { UnrecoverableError, type Job as BullJob } from 'bullmq';
import { ReplyError } from 'ioredis';
import { from, observable as observableKey, type ObservableInput, type Subscription } from 'rxjs';
import { unsubscribeQuietly } from '../core/unsubscribe-quietly.js';
import { CancelledError, JobFailedError, TimeoutError, describeError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { LazyAbort } from './lazy-abort.js';
import { ActivationContext } from '../model/activation-context.js';
import { runInContext } from '../model/current-context.js';
import type { Flow } from '../flow/flow.js';
import type { JobState } from '../state/job-state.js';
import { POOL_LOAD, RESULT } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';
import type { PoolResults } from './pool-results.js';
import { encodeId, jobKeys, ownerChannel, type JobKeys } from './redis-keys.js';
import { RemoteHost, type StoredState } from './remote-host.js';
import { ATTEMPT_TIMEOUT, WIRE_VERSION, decodeValue, encodeValue, type PoolResult, type PoolWire } from './wire.js';

/** @internal What the pool side of a worker shares: the flow, Redis, and the activations it runs (to abort them). */
export interface PoolContext {
  readonly flow: Flow;
  readonly client: RedisClient;
  readonly prefix: string;
  readonly running: Map<string, LazyAbort>;
  /** Aborts told before this worker took the activation (by key: when told, the reason's name; see startPool). */
  readonly early: Map<string, [number, string]>;
  /** This worker's lease owner id. */
  readonly owner: string;
  /** The ownership of a job this process owns, or undefined (see {@link LocalOwner}). */
  localOwner(jobId: string): LocalOwner | undefined;
  /** Until when (epoch ms) a closing worker waits for its activations (Infinity while open). */
  closeDeadline(): number;
  /** Reports a background error (the worker's errors$). */
  report(error: unknown): void;
}

/**
 * @internal A job owned in the pool worker's own process: its activations need no round trip
 * to reach it. The pool reads its last checkpoint here (exactly what reached the store: no
 * read, no parse), and hands it the result directly once the result is in the inbox, when the
 * inbox script finds this ownership (owner and epoch) still the job's (then it publishes nothing).
 *
 * @example
 * ```ts
 * const local: LocalOwner | undefined = sessions.get(jobId); // an OwnedJob is one
 * ```
 */
export interface LocalOwner {
  readonly epoch: string;
  readonly checkpoint: JobState | undefined;
  readonly results: PoolResults;
}

/**
 * @internal The processor of a flow's pool queue (Tier 2): runs one activation of a `'pool'`
 * routine with a {@link RemoteHost} context, then writes its result (buffered effects, the
 * handler's error) to the job's inbox and publishes it to the owner (or hands it to the owner in
 * this process), who applies it once per activation id. A pool worker that dies mid-activation is covered by BullMQ's stall recovery
 * (the activation runs again: at-least-once, like any activation after a crash).
 *
 * @example
 * ```ts
 * new Worker(poolQueueName(flow.flowId), poolProcessor(poolContext), { connection, prefix });
 * ```
 */
export function poolProcessor(ctx: PoolContext): (bull: BullJob<PoolWire>) => Promise<void> {
  return async (bull) => {
    const d = bull.data;
    if (d?.v !== WIRE_VERSION || typeof d.key !== 'string') throw new UnrecoverableError('not a routilux pool activation');
    const keys = jobKeys(ctx.prefix, d.jobId);
    const local = ctx.localOwner(d.jobId);
    // Abortable from the start (an abort told while the checkpoint is read is not missed), and
    // at once when its owner aborted it before this worker took it.
    const abort = new LazyAbort();
    ctx.running.set(d.key, abort);
    const told = ctx.early.get(d.key);
    if (told !== undefined) {
      ctx.early.delete(d.key);
      abort.abort(ownerAbort(told[1], d.key));
    }
    let result: PoolResult;
    try {
      // An activation its local owner does not wait for may have run already (see POOL_LOAD): Redis
      // is asked then only, as the owner's checkpoint here spares the round trip in the common case.
      const asked = local?.checkpoint === undefined || !local.results.awaits(d.key);
      const read = asked ? await readCheckpoint(ctx.client, keys, d.key) : null;
      if (read === 'ran') return; // its result is written already: added again after it ran
      result = await runActivation(ctx, d, local?.checkpoint ?? read, abort);
    } finally {
      ctx.running.delete(d.key);
    }
    let json: string;
    try {
      json = JSON.stringify({ effects: encodeValue(result.effects, `job '${d.jobId}' activation ${d.key} effects`), ...(result.error ? { error: result.error } : {}) });
    } catch (error) {
      // Effects the wire cannot carry fail the activation, loudly, on the owner (its error policy decides).
      json = JSON.stringify({ effects: [], error: describeError(error) });
    }
    const args = [d.key, json, ownerChannel(ctx.prefix, ''), encodeId(d.jobId), local === undefined ? '' : ctx.owner, local?.epoch ?? ''];
    if ((await writeResult(ctx, [keys.inbox, keys.meta], args)) === 2) local!.results.deliver(d.key, json);
  };
}

/**
 * Replies of a server that refuses writes for now (out of memory, a replica, a busy script, still
 * loading, a failover, a persistence error) and takes them again once that passes. Any other error
 * reply (WRONGTYPE: a key overwritten by hand) answers the same however often it is asked.
 */
const REFUSED_FOR_NOW = /^(OOM|READONLY|BUSY|LOADING|MASTERDOWN|TRYAGAIN|CLUSTERDOWN|NOREPLICAS|MISCONF)\b/;

/**
 * Writes an activation's result (RESULT), again every half second while Redis refuses it for now
 * (OOM, READONLY, BUSY: the connection is up, the write refused), each refusal reported.
 * Given up, the result would be lost and its owner would wait for it for ever; a closing worker
 * gives up at its close deadline (the job's next owner then sends the activation again). An error
 * that retrying cannot change fails the pool job at once (reported once, by the pool's 'failed'):
 * retried, it was reported every half second for ever while it held its pool slot.
 */
async function writeResult(ctx: PoolContext, keys: string[], args: string[]): Promise<unknown> {
  for (;;) {
    try {
      return await RESULT.run(ctx.client, keys, args);
    } catch (error) {
      if (!(error instanceof ReplyError) || !REFUSED_FOR_NOW.test((error as Error).message) || Date.now() >= ctx.closeDeadline()) throw error;
      ctx.report(error);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  }
}

/**
 * The job's last checkpoint from Redis: its snapshot and the owner's journal entries since (one
 * round trip), or 'ran' when a result under `key` was written already (see POOL_LOAD).
 */
async function readCheckpoint(client: RedisClient, keys: JobKeys, key: string): Promise<StoredState | null | 'ran'> {
  const [text, journal, ran] = (await POOL_LOAD.run(client, [keys.state, keys.journal, keys.meta], [key])) as [string | null, string[], number];
  if (ran === 1) return 'ran';
  return typeof text === 'string' ? { text, journal } : null;
}

async function runActivation(ctx: PoolContext, d: PoolWire, stored: StoredState | JobState | null, abort: LazyAbort): Promise<PoolResult> {
  const routine = ctx.flow.getRoutine(d.routineId);
  const slot = routine?.getSlot(d.slotName);
  const handler = slot?._handler;
  if (routine === undefined || slot === undefined || handler === undefined) {
    return { effects: [], error: { name: 'ConfigurationError', message: `pool: flow '${ctx.flow.flowId}' has no handler for ${d.routineId}.${d.slotName}` } };
  }
  // Aborted before its handler started (the job cancelled or failed, the attempt timed out): it
  // never starts, as a queued in-process activation of such a job never does. Its result says
  // why (an owner replaying this attempt after a crash takes an outcome, never waits for ever).
  if (abort.signal.aborted) return { effects: [], error: describeError(abort.signal.reason) };
  const host = new RemoteHost(ctx.flow, d.jobId, stored, abort);
  const actx = new ActivationContext(host, slot, d.attempt, d.seq);
  try {
    const payload = decodeValue(d.payload, `pool activation ${d.key}: payload`) as Payload;
    await Promise.race([settled(runInContext(actx, handler, routine, payload, actx)), timedOut(abort.signal)]);
    // Emits waiting for an asynchronous event schema end the activation when their checks do,
    // as in-process: delivered (buffered) when valid, else the first invalid payload fails it.
    const failure = actx.checking ? await actx.whenChecked() : undefined;
    if (failure !== undefined) throw failure.error;
    return { effects: host.effects };
  } catch (error) {
    // What the attempt did before it threw is delivered too (at-least-once, as in-process),
    // emits waiting for their check included once valid, so the failure is reported when those
    // checks settle (in process it comes at once, and the emits follow: one result cannot) or
    // when the activation is aborted (a cancel, a timeout), whichever is first.
    if (actx.checking) await Promise.race([actx.whenChecked(), aborted(abort.signal)]);
    return { effects: host.effects, error: describeError(error) };
  } finally {
    actx.end();
  }
}

const attemptTimeouts = new WeakSet<object>();

/** The abort reason of a pool activation whose attempt timed out on its owner. */
function attemptTimeout(key: string): TimeoutError {
  const error = new TimeoutError(`pool activation ${key} timed out on its job's owner (activationTimeout)`);
  attemptTimeouts.add(error);
  return error;
}

/**
 * @internal The reason an owner gave for aborting a pool activation (its name, as told on the
 * pool's abort channel), as the in-process signal would carry it.
 *
 * @example
 * ```ts
 * activation.abort(ownerAbort('CancelledError', 'j/3#1'));
 * ```
 */
export function ownerAbort(name: string | undefined, key: string): Error {
  const message = `pool activation ${key} was aborted by its job's owner`;
  if (name === ATTEMPT_TIMEOUT) return attemptTimeout(key);
  if (name === 'TimeoutError') return new TimeoutError(message);
  if (name === 'JobFailedError') return new JobFailedError(message);
  return new CancelledError(message);
}

/**
 * Rejects with the reason once the owner says this attempt timed out: the owner no longer waits
 * for it, so neither does its pool slot (a handler that never settles would hold it for ever).
 * Any other abort (the job cancelled or failed) still waits for the handler to settle: a
 * replay after a crash may take this attempt's result, which must then be its own outcome.
 */
function timedOut(signal: AbortSignal): Promise<never> {
  return new Promise((_resolve, reject) => {
    const check = (): void => void (attemptTimeouts.has(signal.reason as object) && reject(signal.reason));
    if (signal.aborted) check();
    else signal.addEventListener('abort', check, { once: true });
  });
}

/** Resolves when `signal` aborts. */
function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}

/** Resolves when what a handler returned settles: a promise, an observable (its completion), or nothing. */
function settled(result: unknown): Promise<void> {
  if (result === null || (typeof result !== 'object' && typeof result !== 'function')) return Promise.resolve();
  if (typeof (result as PromiseLike<unknown>).then === 'function') return Promise.resolve(result as PromiseLike<unknown>).then(() => undefined);
  if (typeof (result as { subscribe?: unknown }).subscribe !== 'function' && typeof (result as Record<string | symbol, unknown>)[observableKey] !== 'function') return Promise.resolve();
  return new Promise((resolve, reject) => {
    // Unsubscribed from its own end, quietly: a teardown that throws there would otherwise be
    // thrown out of the producer's complete() (see unsubscribeQuietly).
    let sub: Subscription | undefined;
    let ended = false;
    const end = (): void => {
      ended = true;
      unsubscribeQuietly(sub);
    };
    sub = from(result as ObservableInput<unknown>).subscribe({ error: (error: unknown) => (end(), reject(error)), complete: () => (end(), resolve()) });
    if (ended) unsubscribeQuietly(sub);
  });
}
