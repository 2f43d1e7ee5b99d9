import { Queue } from 'bullmq';
import { Subject, type Observable } from 'rxjs';
import { ConfigurationError, JobStateError, describeError, describeValue } from '../errors/errors.js';
import { Flow } from '../flow/flow.js';
import type { ExecuteOptions, OpenOptions } from '../flow/flow-options.js';
import type { JobRunner } from '../flow/job-runner.js';
import type { Job } from '../flow/job.js';
import { BulkAdder } from './bulk-adder.js';
import { ChannelFeed } from './channel-feed.js';
import { controlCall } from './runner-control.js';
import { flowFingerprint } from './flow-fingerprint.js';
import type { RedisClient } from './lua-script.js';
import { closeClient, duplicateClient, openClient, type RedisConnection } from './redis-connection.js';
import { RedisJobStore } from './redis-job-store.js';
import { RegisterBatch } from './register-batch.js';
import { clientError } from './store-call.js';
import { checkPrefix, encodeId, jobKeyBase, jobKeys, watcherChannel } from './redis-keys.js';
import { RemoteJob } from './remote-job.js';
import { RunnerChannel } from './runner-channel.js';
import { randomId } from './random-id.js';
import type { RemoteLink } from './remote-link.js';
import { blankState } from './state-edit.js';
import { addFailed, giveBackId, startNotQueued } from './start-not-queued.js';
import { checkJobTimeout } from '../runtime/job-arguments.js';
import { WIRE_VERSION, bullJobId, encodeValue, queueName, type ControlCommand, type WireJob } from './wire.js';

/**
 * Options of {@link BullMQRunner}.
 *
 * @example
 * ```ts
 * const options: BullMQRunnerOptions = { connection: { host: '127.0.0.1', port: 6379 }, prefix: 'rlx' };
 * ```
 */
export interface BullMQRunnerOptions {
  /** Where Redis is: ioredis options (`{ host, port }`, `{ path }`, ...) or your client (never closed for you). */
  connection: RedisConnection;
  /** First part of every Redis key, BullMQ's included (default `'rlx'`); workers must use the same. */
  prefix?: string;
}

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1 } as const;

/**
 * Runs a flow's jobs on worker processes (see {@link runWorker}) through BullMQ and Redis:
 * `flow.start(entry, params, { runner })` (or `new Flow({ runner })` for every job) adds the
 * job to the flow's queue and returns a {@link RemoteJob} at once; a worker whose flow has the
 * same fingerprint owns it, runs it with the in-process engine and checkpoints it to Redis.
 *
 * @example
 * ```ts
 * const runner = new BullMQRunner({ connection: { host: '127.0.0.1', port: 6379 } });
 * const job = flow.start('intake', { id: 42 }, { runner });
 * await job.wait();
 * const again = await runner.resume(flow, 'job-17'); // a paused or failed job, from any process
 * await runner.close();
 * ```
 */
export class BullMQRunner implements JobRunner {
  readonly prefix: string;
  /** The durable store the workers checkpoint to (the same keys). */
  readonly store: RedisJobStore;
  private readonly client: RedisClient;
  private readonly owned: boolean;
  private feed: ChannelFeed | undefined = undefined;
  private subscriber: RedisClient | undefined = undefined;
  private readonly queues = new Map<string, Queue>();
  private readonly adder = new BulkAdder();
  private readonly registrar: RegisterBatch;
  private readonly prints = new WeakMap<Flow, string>();
  private readonly errors = new Subject<unknown>();
  /** Failures nobody awaits: a command (send, close, ...) that could not be sent. */
  readonly errors$: Observable<unknown> = this.errors.asObservable();
  /** This runner's channel: the status messages of the jobs it starts (see {@link watcherChannel}). */
  private readonly watcher: string;
  /** Tells this runner's starts apart (`<tag>.<n>`: REGISTER's start token; see RegisterBatch). */
  private readonly tag: string;
  private starts = 0;
  private commands = 0; // (CONTROL's command number: a call ioredis sends again is not appended twice)
  private readonly own: RunnerChannel;
  private closed = false;
  /** Commands and registrations on their way: close() lets them land (a command may be in the stream, its delivery owed). */
  private readonly sending = new Set<Promise<unknown>>();
  private readonly link: RemoteLink = {
    control: (flow, jobId, command, meta) => (this.closed ? Promise.reject(this.closedError()) : this.sent(this.control(flow, jobId, command, meta))),
    watch: (jobId, listener, resync, lost) => (this.closed ? Promise.reject(this.closedError()) : this.channels().watch(jobKeys(this.prefix, jobId).channel, listener, resync, lost)),
    followed: () => (this.closed ? Promise.reject(this.closedError()) : this.own.followed()),
    follow: (jobId, listener, resync, lost) => this.own.follow(jobId, listener, resync, lost),
    load: (jobId) => this.store.loadWithSeq(jobId),
    report: (error) => this.errors.next(error),
    closed: () => this.closed,
  };

  /** @throws {ConfigurationError} for a bad connection or prefix. @example `new BullMQRunner({ connection: { path: '/run/redis.sock' } })` */
  constructor(private readonly options: BullMQRunnerOptions) {
    this.prefix = checkPrefix(options?.prefix ?? 'rlx', 'BullMQRunner');
    // No auto-pipelining (as runWorker's client): ioredis answers a pipeline's commands once all are, so a burst of starts held every
    // command's objects long enough to be promoted (dist_jobs: 307-314 -> 266-279 MB per 16,000 jobs). Commands keep call order.
    const { client, owned } = openClient(options?.connection, 'BullMQRunner', { enableAutoPipelining: false });
    this.client = client;
    this.owned = owned;
    this.store = new RedisJobStore({ connection: client, prefix: this.prefix });
    this.registrar = new RegisterBatch(client);
    this.tag = randomId().replaceAll('-', '').slice(0, 16);
    this.watcher = watcherChannel(this.prefix, this.tag);
    this.own = new RunnerChannel(this.watcher, () => this.channels());
  }

  /**
   * Starts a job of `flow` on the workers; see `Flow.start`. The handle is returned at once.
   * @throws {ConfigurationError} for an unknown entry routine, bad params or options.
   * @throws {SerializationError} for params that cannot be sent (a function, ...).
   * @example
   * ```ts
   * const job = runner.start(flow, 'intake', { id: 42 }, { jobId: 'order-42' });
   * ```
   */
  start(flow: Flow, entryId: string, params: object = {}, options: ExecuteOptions = {}): Job {
    if (flow.getRoutine(entryId) === undefined) throw new ConfigurationError(`start('${entryId}'): flow '${flow.flowId}' has no routine '${entryId}'`);
    if (typeof params !== 'object' || params === null || Array.isArray(params)) throw new ConfigurationError(`start('${entryId}'): entry params must be a plain object, got ${describeValue(params)}`);
    const slot = options.slot ?? 'trigger';
    if (typeof slot !== 'string') throw new ConfigurationError(`start('${entryId}'): options.slot must be a string`);
    const entry = { routineId: entryId, slot, params: encodeValue(params, `start('${entryId}') params`) };
    return this.submit(flow, 'start', options, entry);
  }

  /**
   * Opens a job of `flow` on the workers (fed by send / input, settles after close); see `Flow.open`.
   * @throws {ConfigurationError} for bad options.
   * @example
   * ```ts
   * const job = runner.open(flow, { jobId: 'chat-7' }); job.send('parse', 'in', { line }); job.close();
   * ```
   */
  open(flow: Flow, options: OpenOptions = {}): Job {
    return this.submit(flow, 'open', options, undefined);
  }

  /**
   * Resumes a paused or failed job on the workers, from any process; resolves with its handle.
   * @throws {ConfigurationError} (rejects) for an unknown job or one of another flow.
   * @throws {JobStateError} (rejects) unless the job is paused or failed; a StoreError when Redis refused the resume.
   * @example
   * ```ts
   * const job = await runner.resume(flow, 'order-42'); await job.wait();
   * ```
   */
  async resume(flow: Flow, jobId: string): Promise<Job> {
    const job = await this.job(flow, jobId);
    job._resumeAwaited = true; // (a resume Redis refused rejects here, instead of reaching errors$ only)
    job.resume();
    return job._resumed!.then(() => job); // (resume() set it, or threw)
  }

  /**
   * A handle on a stored job of `flow`, whatever its status, to watch or control it from here.
   * @throws {ConfigurationError} (rejects) for an unknown job or one of another flow.
   * @example
   * ```ts
   * const job = await runner.job(flow, 'order-42'); console.log(job.state.status);
   * ```
   */
  async job(flow: Flow, jobId: string): Promise<RemoteJob> {
    if (!(flow instanceof Flow)) throw new ConfigurationError(`BullMQRunner.job: expected a Flow, got ${describeValue(flow)}`);
    if (typeof jobId !== 'string') throw new ConfigurationError(`BullMQRunner: the job id must be a string, got ${describeValue(jobId)}`);
    if (this.closed) throw this.closedError();
    const job = new RemoteJob(flow, jobId, blankState(jobId, flow.flowId, 'pending', Date.now()), 0, this.link);
    await job.watch(); // first: a status published from now on is seen
    let loaded: Awaited<ReturnType<RedisJobStore['loadWithSeq']>>;
    try {
      loaded = await this.store.loadWithSeq(jobId);
      if (loaded === undefined) throw new ConfigurationError(`BullMQRunner: no job '${jobId}' is stored under prefix '${this.prefix}'`);
      if (loaded.state.flowId !== flow.flowId) throw new ConfigurationError(`BullMQRunner: job '${jobId}' belongs to flow '${loaded.state.flowId}', not '${flow.flowId}'`);
    } catch (error) {
      job._settleWatch(true); // refused: its channel is not kept subscribed
      throw error;
    }
    job._view.offer(loaded.seq, loaded.state);
    job._settleWatch(false); // a settled job has nothing more to say
    return job;
  }

  /**
   * Closes the queues and the connections this runner opened. Jobs keep running on the workers.
   * @example
   * ```ts
   * await runner.close();
   * ```
   */
  async close(): Promise<void> {
    const first = !this.closed;
    this.closed = true;
    do await Promise.allSettled([...this.sending]); while (this.sending.size > 0); // (starts and commands on their way: see submit)
    await new Promise((resolve) => setImmediate(resolve)); // (a start given up reaches its handle through its command chain)
    if (first) {
      // The handles of this runner hear nothing more: what waits on them is told so, not left hanging.
      const lost = new JobStateError(`no more news of this job here: its BullMQRunner was closed (the job goes on on the workers; follow it with another runner's runner.job(flow, id))`);
      this.feed?.close(lost);
      this.own.lose(lost);
    }
    await Promise.all([...this.queues.values()].map((q) => q.close()));
    this.queues.clear();
    if (this.subscriber !== undefined) await closeClient(this.subscriber);
    if (this.owned) await closeClient(this.client);
  }

  private submit(flow: Flow, kind: 'start' | 'open', options: ExecuteOptions | OpenOptions, entry: WireJob['entry']): Job {
    if (this.closed) throw this.closedError();
    const jobId = options.jobId ?? randomId();
    if (typeof jobId !== 'string' || jobId.length === 0) throw new ConfigurationError(`${kind}: options.jobId must be a non-empty string, got ${describeValue(jobId)}`);
    const timeout = options.timeout;
    checkJobTimeout(timeout); // as a local start: refused here, not by the worker that takes the job
    const signal = options.signal;
    if (signal !== undefined && typeof (signal as AbortSignal)?.addEventListener !== 'function') throw new ConfigurationError(`${kind}: options.signal must be an AbortSignal`);
    const fp = this.fingerprint(flow);
    const now = Date.now();
    const job = new RemoteJob(flow, jobId, () => blankState(jobId, flow.flowId, 'pending', now), 0, this.link);
    const data: WireJob = { v: WIRE_VERSION, jobId, kind, fp, ...(entry ? { entry } : {}), ...(timeout ? { timeout } : {}) };
    // Every start registers its id, generated or given: one that skipped it would leave its id unclaimed until a worker took
    // the job, and a given id equal to it would be admitted and answered with the first job's outcome (its add dropped).
    const token = `${this.tag}.${(++this.starts).toString(36)}`;
    job._submit(async (follow) => {
      let settled!: () => void; // close() waits until the start is queued, or given up and its id given back
      this.sent(new Promise<void>((resolve) => (settled = resolve)));
      try {
        if (this.closed) throw startNotQueued(jobId, this.prefix, true); // (nothing claimed)
        const base = jobKeyBase(this.prefix, jobId); // (a registration Redis refused claimed nothing: the handle fails with a StoreError naming the job)
        const reply = await this.registrar.register(base, fp, flow.flowId, `${this.watcher}\n${encodeId(jobId)}`, token).catch(clientError(jobId, `${base}:meta`, 'register'));
        if (reply[0] === 0) throw new ConfigurationError(`job id '${jobId}' is taken: a job with it is stored under prefix '${this.prefix}' (delete or prune it first)`);
        if (this.closed) throw await giveBackId(this.client, this.prefix, jobId, token); // closed meanwhile: registered, never queued
        follow(); // nothing is published for it before it is queued
        const queued = (): Promise<void> => this.add(flow, kind, data, Number(reply[1])).catch((e: unknown) => addFailed(this.client, this.queue(flow), this.prefix, jobId, token, bullJobId(jobId, Number(reply[1])), e));
        return () => (this.closed ? giveBackId(this.client, this.prefix, jobId, token).then((e) => Promise.reject(e)) : queued()).finally(settled);
      } catch (error) {
        settled();
        throw error;
      }
    });
    if (signal !== undefined) {
      const abort = (): void => void job.cancel(`aborted: ${describeError((signal as AbortSignal).reason).message}`).catch(() => undefined);
      if (signal.aborted) abort();
      else {
        signal.addEventListener('abort', abort, { once: true });
        job._view.onEnd(() => signal.removeEventListener('abort', abort)); // as in-process: the listener goes when the job ends
      }
    }
    return job;
  }

  private async control(flow: Flow, jobId: string, command: ControlCommand, meta?: [string, string]): Promise<{ id: string; seq: number }> {
    const { id, seq, req } = await controlCall(this.client, this.prefix, jobId, command, meta, `sent:${this.tag}`, ++this.commands);
    if (req > 0) {
      const wire: WireJob = { v: WIRE_VERSION, jobId, kind: 'control', fp: this.fingerprint(flow) };
      await this.add(flow, 'control', wire, req, true).catch(clientError(jobId, jobKeys(this.prefix, jobId).control, 'queue the delivery of a command to')); // (owed once counted, even if close() came meanwhile)
    }
    return { id, seq };
  }

  /** Adds a BullMQ job; the adds of one tick go to each queue as one `addBulk`. */
  private add(flow: Flow, name: string, data: WireJob, req: number, owed = false): Promise<void> {
    // A start queued before close() and run after it (behind a command) is not queued: nothing here would hear of it.
    if (this.closed && !owed) return Promise.reject(this.closedError());
    return this.adder.add(this.queue(flow), name, data, { ...JOB_OPTIONS, jobId: bullJobId(data.jobId, req) });
  }

  private sent<T>(sending: Promise<T>): Promise<T> {
    this.sending.add(sending);
    const done = (): void => void this.sending.delete(sending);
    sending.then(done, done);
    return sending;
  }

  private closedError(): ConfigurationError {
    return new ConfigurationError(`BullMQRunner (prefix '${this.prefix}') is closed: make a new runner`);
  }

  private fingerprint(flow: Flow): string {
    let fp = this.prints.get(flow);
    if (fp === undefined) this.prints.set(flow, (fp = flowFingerprint(flow)));
    return fp;
  }

  private queue(flow: Flow): Queue {
    let queue = this.queues.get(flow.flowId);
    if (queue === undefined) {
      queue = new Queue(queueName(flow.flowId), { connection: this.options.connection as never, prefix: this.prefix });
      queue.on('error', (error) => this.errors.next(error));
      this.queues.set(flow.flowId, queue);
    }
    return queue;
  }

  private channels(): ChannelFeed {
    if (this.feed === undefined) {
      this.subscriber = duplicateClient(this.options.connection, 'BullMQRunner');
      this.feed = new ChannelFeed(this.subscriber, (error) => this.errors.next(error));
    }
    return this.feed;
  }
}
