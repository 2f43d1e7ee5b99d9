import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, WaitingError, Worker, type Job as BullJob } from 'bullmq';
import { Subject, type Observable } from 'rxjs';
import { ConfigurationError, TimeoutError, describeValue } from '../errors/errors.js';
import type { Flow } from '../flow/flow.js';
import type { CheckpointOptions } from '../runtime/checkpoint-options.js';
import { isFinishedAlready } from './bull-errors.js';
import { ChannelFeed } from './channel-feed.js';
import { LeaseKeeper } from './lease-renewal.js';
import { flowFingerprint } from './flow-fingerprint.js';
import { OwnedJob } from './owned-job.js';
import { closeClient, duplicateClient, openClient, type RedisConnection } from './redis-connection.js';
import { RedisJobStore } from './redis-job-store.js';
import { checkPrefix, decodeId, ownerChannel } from './redis-keys.js';
import { WIRE_VERSION, queueName, type WireJob } from './wire.js';
import { startPool } from './worker-pool.js';
import { setCheckpointTap } from '../runtime/checkpoint-tap.js';
import type { WorkerContext } from './worker-context.js';
import { MAX_POOL_TURN_LAG } from './pool-turn-lag.js';
import { ProcessingSet, dropWorker } from './processing-set.js';
import { settledWithin } from '../core/settled-within.js';
import { SlotMap } from '../core/slot-map.js';
import { storeErrorOf } from '../persistence/store-error-of.js';

/**
 * Options of {@link runWorker}.
 *
 * @example
 * ```ts
 * const options: WorkerOptions = { connection: { host: '127.0.0.1', port: 6379 }, concurrency: 50, lockDuration: 30_000 };
 * ```
 */
export interface WorkerOptions {
  /** Where Redis is (the clients' Redis): ioredis options, or your client (never closed for you). */
  connection: RedisConnection;
  /** Key prefix, the same as the clients' (default `'rlx'`). */
  prefix?: string;
  /** Jobs this process owns at once (default 10; 0: none, a pool-only worker). */
  concurrency?: number;
  /** ms a job's lock and lease last unless renewed (renewed well before; default 30,000). A dead owner's jobs move after about this plus `stalledInterval`. */
  lockDuration?: number;
  /** ms between BullMQ's checks for jobs whose owner died (default 30,000). */
  stalledInterval?: number;
  /** Owners a job may lose (crashes while owning it) before it fails with WorkerLostError (default 3). */
  maxRecoveries?: number;
  /** Time limit and retries of each checkpoint write (see CheckpointOptions). */
  checkpoint?: CheckpointOptions;
  /**
   * Opt-in (default 0: a checkpoint after every turn that changed the job): ms a job's
   * checkpoint may wait after a turn that only applied pool results that emitted and sent pool
   * activations, one at a time; anything else is saved at once. A new owner rebuilds such turns
   * from the job's inbox without running their handlers again, under the same activation ids.
   * What it costs: a `jobState` a pool worker elsewhere reads may be up to this much older in
   * all but its shared data and routine states. 1,000 made a 10-step pool chain 15-20 % faster
   * (bench/README.md, "Ninth session"). At most 2^31 - 1.
   */
  poolTurnLag?: number;
  /** This process's share of the activation pool (routines with `setPlacement('pool')`): activations at once (default 10; 0: none here). */
  pool?: { concurrency?: number };
  /**
   * ms `close()` waits for in-flight activations, those of the jobs it hands over and the pool
   * activations it runs (default 30,000; at most 2^31 - 1). Past it, a job is handed over as
   * it is: its in-flight activations are stored as running tasks, which the next owner runs
   * again (at-least-once, as after a crash), and their handlers here are aborted; a pool
   * activation still running is left to BullMQ's stall recovery. A handler that never settles
   * then never keeps a closing worker. Keep it below your orchestrator's grace period.
   */
  closeTimeout?: number;
}

/**
 * A running worker: `close()` stops taking jobs, hands the jobs it runs over to other workers
 * (each paused here once its in-flight activations finished, stored as running, and put back
 * in the queue) or lets them go when they rest, and closes its connections; it waits for
 * in-flight work at most `closeTimeout` (see {@link WorkerOptions.closeTimeout}).
 *
 * @example
 * ```ts
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export interface WorkerHandle {
  /** Who this worker is when it owns jobs (the lease owner id). */
  readonly id: string;
  /** Jobs owned right now. */
  readonly owned: number;
  /** Failures that happen in the background (a command or publication that could not be applied, Redis errors). */
  readonly errors$: Observable<unknown>;
  close(): Promise<void>;
}

/**
 * Runs `flow`'s remote jobs in this process: takes them from the flow's BullMQ queue, owns each
 * through its lease, runs it with the in-process engine (same semantics as a local job),
 * checkpoints it to Redis after every dispatch turn with writes fenced by the lease epoch, and
 * applies the control commands clients send. Started jobs, resumes and recoveries all arrive
 * this way; a job whose owner died is re-delivered by BullMQ's stall recovery and resumed here
 * from its last checkpoint. The flow must be the clients' definition (same fingerprint) and
 * have no store of its own.
 *
 * @throws {ConfigurationError} (rejects) for bad options, or a flow with a `store`.
 * @example
 * ```ts
 * const worker = await runWorker(ordersFlow(), { connection: { host: '127.0.0.1', port: 6379 }, concurrency: 50 });
 * process.on('SIGTERM', () => void worker.close());
 * ```
 */
export async function runWorker(flow: Flow, options: WorkerOptions): Promise<WorkerHandle> {
  // Its own store would write every owned job a second time, unfenced (and hold no pool result back: see holdCheckpoints).
  if (flow?.store !== undefined) throw new ConfigurationError(`runWorker: flow '${flow.flowId}' has a store of its own; a worker checkpoints the jobs it owns to Redis, fenced by their leases: give it the flow without \`store\``);
  const prefix = checkPrefix(options?.prefix ?? 'rlx', 'runWorker');
  const concurrency = nonNegativeInt('concurrency', options.concurrency ?? 10);
  const lockDuration = positiveInt('lockDuration', options.lockDuration ?? 30_000);
  const stalledInterval = positiveInt('stalledInterval', options.stalledInterval ?? 30_000);
  const maxRecoveries = nonNegativeInt('maxRecoveries', options.maxRecoveries ?? 3);
  const poolTurnLag = nonNegativeInt('poolTurnLag', options.poolTurnLag ?? 0, MAX_POOL_TURN_LAG); // (a timer holds it)
  const closeTimeout = nonNegativeInt('closeTimeout', options.closeTimeout ?? 30_000, 2 ** 31 - 1); // (a timer holds it)
  let closeDeadline = Infinity;
  const errors = new Subject<unknown>();
  const report = (error: unknown): void => errors.next(error);
  // No auto-pipelining on the owner's client: ioredis's pipeline of a tick (sent at setImmediate,
  // every command answered only once the whole pipeline is) kept each script call's objects alive
  // across scavenges: a dist_jobs worker process promoted 177-185 MB per 16,000 jobs with it,
  // 111-118 MB without (--trace-gc-nvp). The commands of a tick still leave in one socket write
  // (TickWritesRedis), in the order they are issued, each answered on its own. A pause's answer
  // and the SAVE that publishes the paused status can reach a client apart, so a status carries
  // the control cursor it reflects (ResumeFence), or a resume sent between them was lost to the
  // view (a84dba6, b0b500e).
  const { client, owned } = openClient(options.connection, 'runWorker', { enableAutoPipelining: false });
  const subscriber = duplicateClient(options.connection, 'runWorker');
  const store = new RedisJobStore({ connection: client, prefix });
  // (Not a Map: one job after another through a Map kept every job's objects past the scavenges; see SlotMap.)
  const sessions = new SlotMap<string, OwnedJob>();
  const id = `${hostname()}:${process.pid}:${globalThis.crypto.randomUUID().slice(0, 8)}`;
  let closing = false;
  let closed: Promise<void> | undefined;
  /** The jobs this worker owns, as BullMQ processes them (a closing worker waits for them until its deadline). */
  const processing = new ProcessingSet();
  const ctx: WorkerContext = {
    flow,
    client,
    store,
    nudges: new ChannelFeed(subscriber, report),
    prefix,
    owner: id,
    leases: new LeaseKeeper(client, id, lockDuration),
    lockDuration,
    maxRecoveries,
    fingerprint: flowFingerprint(flow),
    checkpoint: options.checkpoint ?? {},
    poolTurnLag,
    closeDeadline: () => closeDeadline,
    get closing() {
      return closing;
    },
    report,
  };

  const processor = async (bull: BullJob<WireJob>, token?: string): Promise<void> => {
    const data = bull.data;
    if (data?.v !== WIRE_VERSION || typeof data.jobId !== 'string') throw new UnrecoverableError(`not a routilux job (wire version ${describeValue(data?.v)})`);
    if (sessions.has(data.jobId)) return later(bull, token, 100); // this process owns it already (a duplicate request)
    const session = new OwnedJob(ctx, data.jobId, data);
    sessions.set(data.jobId, session);
    let outcome;
    try {
      outcome = await session.run();
    } catch (error) {
      // BullMQ only files it in its failed set (removed at once): a job Redis would not hand over (a key of the wrong
      // type, garbage in its meta, a snapshot cut by hand) or a write it refused is reported, naming the job.
      report(storeErrorOf(error, `runWorker: cannot run job '${data.jobId}'`, { jobId: data.jobId }));
      throw error;
    } finally {
      sessions.delete(data.jobId);
    }
    if (typeof outcome === 'number') return later(bull, token, outcome); // another owner holds it: ask again when its lease runs out
    if (outcome === 'handoff') {
      await bull.moveToWait(token);
      throw new WaitingError();
    }
    if (outcome === 'lost') throw new DelayedError(); // leave the BullMQ job alone: its new owner has it
  };

  // The engine tells the checkpoint moments of the jobs this worker owns (no store on the user's flow).
  setCheckpointTap(flow, (job, statusChange) => sessions.get(job.id)?.checkpointed(statusChange));
  // One channel per worker: the scripts publish a job's command nudges and pool results to its owner's.
  await ctx.nudges.watch(
    ownerChannel(prefix, id),
    (message) => {
      const nl = message.indexOf('\n');
      sessions.get(decodeId(message.slice(0, nl)))?.nudged(message.slice(nl + 1));
    },
    () => sessions.forEach((s) => s.resync()), // what was published while the subscriber was away is read again
  );
  const pool = await startPool(flow, options, { client, prefix, lockDuration, stalledInterval, nudges: ctx.nudges, report, closeDeadline: ctx.closeDeadline, resultsOf: (jobId) => sessions.get(jobId)?.results, owner: id, localOwner: (jobId) => sessions.get(jobId) });

  // Without jobs to own (concurrency 0), this process is a member of the activation pool only.
  const worker =
    concurrency === 0
      ? undefined
      : new Worker<WireJob>(queueName(flow.flowId), processing.wrap(processor), {
          connection: options.connection as never,
          prefix,
          concurrency,
          lockDuration,
          stalledInterval,
          // Stall recovery is transport recovery, counted by the job's own lease (maxRecoveries), never a BullMQ failure.
          maxStalledCount: Number.MAX_SAFE_INTEGER,
          autorun: true,
        });
  worker?.on('error', (error) => isFinishedAlready(error) || report(error)); // (a finish sent again after a blip: see isFinishedAlready)
  await worker?.waitUntilReady();

  return {
    id,
    get owned() {
      return sessions.size;
    },
    errors$: errors.asObservable(),
    close() {
      return (closed ??= closeWorker());
    },
  };

  async function closeWorker(): Promise<void> {
    closing = true;
    closeDeadline = Date.now() + closeTimeout;
    sessions.forEach((s) => s.poke());
    // Owned jobs are handed over (each waits for its in-flight work until the deadline, then
    // saves and lets go), then the pool closes. A Redis that stopped answering does not keep
    // close() either: a lockDuration past the deadline, the connections are dropped, and a job
    // still owned here is left to its lease (recovered elsewhere from its last checkpoint, as
    // after a crash).
    const limit = closeDeadline + lockDuration;
    const graceful = (async () => {
      await pool.stopTaking();
      if (worker !== undefined) await processing.drainAndClose(worker, limit);
      ctx.leases.close();
      setCheckpointTap(flow, undefined);
      await pool.close();
    })();
    const answered = await settledWithin(graceful, limit - Date.now());
    if (!answered) {
      report(new TimeoutError(`runWorker: close() did not finish within closeTimeout + lockDuration (is Redis unreachable?); connections dropped, ${sessions.size} owned job(s) left to their leases`));
      ctx.leases.close();
      setCheckpointTap(flow, undefined);
      if (worker !== undefined) dropWorker(worker);
      pool.disconnect();
    }
    ctx.nudges.close();
    await closeClient(subscriber, answered);
    if (owned) await closeClient(client, answered);
    errors.complete();
  }
}

/** Puts the BullMQ job back for `ms` (no closure per job: most jobs never need it). */
async function later(bull: BullJob<WireJob>, token: string | undefined, ms: number): Promise<never> {
  await bull.moveToDelayed(Date.now() + ms, token);
  throw new DelayedError();
}

function positiveInt(name: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1) throw new ConfigurationError(`runWorker: option ${name} must be a positive integer, got ${describeValue(value)}`);
  return value;
}

function nonNegativeInt(name: string, value: unknown, max = Number.MAX_SAFE_INTEGER): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 0 || value > max) {
    throw new ConfigurationError(`runWorker: option ${name} must be an integer from 0 to ${max}, got ${describeValue(value)}`);
  }
  return value;
}
