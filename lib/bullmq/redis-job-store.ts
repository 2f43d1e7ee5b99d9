import { StoreError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import { replayJournal } from '../state/job-journal-json.js';
import type { JobLease, JobStore, PruneOptions } from '../state/job-store.js';
import { checkLeaseArguments } from '../persistence/lease-arguments.js';
import { resolvePruneOptions } from '../persistence/prune-options.js';
import { pruneRedisJobs } from './prune-redis-jobs.js';
import { journalText, loadError, storeCall, storeSend } from './store-call.js';
import { checkId, checkState, serialize } from '../persistence/store-arguments.js';
import type { Cluster, Redis } from 'ioredis';
import type { RedisClient } from './lua-script.js';
import { closeClient, openClient } from './redis-connection.js';
import { checkPrefix, jobKeys, ownId, type JobKeys } from './redis-keys.js';
import { ACQUIRE, APPEND, DELETE, LEASE_OF, LOAD, RELEASE, SAVE } from './store-scripts.js';
import { fenced } from './fenced-error.js';
import { randomId } from './random-id.js';
import type { LeaseGrant, RedisJobStoreOptions } from './redis-job-store-options.js';

export type { RedisJobStoreOptions } from './redis-job-store-options.js';

/**
 * A durable {@link JobStore} on Redis, with leases, a journal and retention: the full store
 * contract, and the store the `routilux/bullmq` workers checkpoint to.
 *
 * - Keys: `<prefix>:job:{<encoded id>}:state|journal|meta|...`, one hash tag per job, so every
 *   script runs on one slot (Redis Cluster works); ids are encoded one-to-one, any string goes.
 * - Lossless: snapshots are the job JSON (`JobState.toJSON`), journal entries the journal JSON.
 * - Fencing: `acquire` grants the lease with a new epoch whenever it changes hands; while this
 *   store instance holds a job's lease, every `save` and `appendJournal` of that job is a Lua
 *   compare-and-set on that epoch, so a former holder that was taken over (it stalled, it lost
 *   its connection) can no longer overwrite the new holder's state: its write is refused with a
 *   {@link StoreError} saying so. Without a lease, writes are not fenced.
 * - Status: a save that changes the stored status publishes `s<seq> <status>\n<job JSON>` on the
 *   job's channel (`<prefix>:job:{<id>}:out`), which BullMQRunner clients listen to.
 * - Leases expire by the Redis server's clock (`TIME`), not the clients'.
 *
 * @example
 * ```ts
 * const store = new RedisJobStore({ connection: { host: '127.0.0.1', port: 6379 } });
 * const flow = new Flow({ flowId: 'orders', store, checkpoint: 'always' });
 * const state = await flow.execute('intake', { id: 42 });
 * await store.close();
 * ```
 */
export class RedisJobStore implements JobStore {
  readonly prefix: string;
  private readonly client: RedisClient;
  private readonly owned: boolean;
  /** The epoch of each lease this instance holds: its writes of that job are fenced by it. */
  private readonly epochs = new Map<string, string>();
  /** This instance's writes are `<writer>.<n>`: one ioredis resends after a lost reply is not done twice (see SAVE). */
  private readonly writer = randomId();
  private writes = 0;

  /**
   * @throws {ConfigurationError} for a bad connection or prefix, naming it.
   * @example
   * ```ts
   * new RedisJobStore({ connection: { path: '/run/redis/redis.sock' }, prefix: 'rlx' });
   * ```
   */
  constructor(options: RedisJobStoreOptions) {
    this.prefix = checkPrefix(options?.prefix ?? 'rlx', 'RedisJobStore');
    const { client, owned } = openClient(options?.connection, 'RedisJobStore');
    this.client = client;
    this.owned = owned;
  }

  /** The keys of `jobId`. @example `store.keysOf('order:17').state // 'rlx:job:{order%3a17}:state'` */
  keysOf(jobId: string): JobKeys {
    checkId(jobId, 'RedisJobStore.keysOf');
    return jobKeys(this.prefix, jobId);
  }

  /**
   * Writes a full snapshot of the job (compacting its journal), fenced by this instance's lease.
   * @throws {ConfigurationError} (rejects) for anything but a JobState; `SerializationError`
   * for a state JSON cannot carry; {@link StoreError} when Redis fails or the lease was taken over.
   * @example
   * ```ts
   * await store.save(job.state);
   * ```
   */
  save(state: JobState): Promise<void> {
    return this.saveWith(state, {}).then(() => undefined);
  }

  /**
   * @internal `save`, also setting the job's control cursor, publishing even an unchanged status,
   * fenced by `epoch` instead of this instance's lease, and letting the job go for `release`
   * (its owner, the last control entry it read) when no command is unread; `keys`: the job's
   * keys, when the caller has them (an owner); `inc`: the job's incarnation, to keep in its meta. Resolves with the publish seq and whether the job was let go.
   */
  saveWith(state: JobState, extra: { cursor?: string; publish?: boolean; epoch?: string; release?: { owner: string; seen: string }; keys?: JobKeys; inc?: string }): Promise<{ seq: number; released: boolean }> {
    let jobId: string, text: string;
    try {
      jobId = checkState(state, 'RedisJobStore.save');
      text = serialize(state, 'RedisJobStore'); // now: the caller may keep changing the job
    } catch (error) {
      return Promise.reject(error);
    }
    const k = extra.keys ?? jobKeys(this.prefix, jobId);
    const epoch = extra.epoch ?? this.epochs.get(jobId) ?? '';
    const args = [text, epoch, state.status, String(state.updatedAt), k.channel, extra.cursor ?? '', extra.publish ? '1' : '0', extra.release?.owner ?? '', extra.release?.seen ?? '', extra.inc ?? '', `${this.writer}.${++this.writes}`];
    // One promise over the script's (no async wrappers: a checkpoint per job goes through here).
    return storeSend(jobId, k.state, 'save', () => SAVE.run(this.client, [k.state, k.journal, k.meta, k.control, k.inbox], args) as Promise<[number, unknown, string?]>, (reply) => {
      if (reply[0] === 0) throw this.refused(jobId, k.state, epoch, reply);
      return { seq: Number(reply[1]), released: reply[0] === 2 };
    });
  }

  /**
   * Appends an encoded journal entry (see {@link JobStore.appendJournal}), fenced like `save`.
   * @throws {StoreError} (rejects) for an entry that is no JSON (nothing appended), without a saved snapshot, when Redis fails or the lease was taken over.
   * @example
   * ```ts
   * await store.appendJournal(job.jobId, journalEntryToJSON(diffJobStates(saved, job.state)));
   * ```
   */
  async appendJournal(jobId: string, entry: unknown, extra: { cursor?: string; epoch?: string; inc?: string } = {}): Promise<void> {
    checkId(jobId, 'RedisJobStore.appendJournal');
    const keys = jobKeys(this.prefix, jobId);
    // @internal `extra` (an owner's): also set the control cursor and the incarnation, fenced by `epoch` instead of this instance's lease.
    const epoch = extra.epoch ?? this.epochs.get(jobId) ?? '';
    const args = [journalText(jobId, entry, keys.journal), epoch, extra.cursor ?? '', extra.inc ?? '', `${this.writer}.${++this.writes}`];
    const reply = await storeCall(jobId, keys.journal, 'journal', () => APPEND.run(this.client, [keys.state, keys.journal, keys.meta], args) as Promise<[number, unknown, string?]>);
    if (reply[0] === -1) throw new StoreError(`RedisJobStore: cannot journal job '${jobId}': it has no saved snapshot (save it first)`, { jobId, file: keys.state });
    if (reply[0] === 0) throw this.refused(jobId, keys.journal, epoch, reply);
  }

  /**
   * The newest snapshot of `jobId` (its journal applied), or `undefined`.
   * @throws {ConfigurationError} (rejects) for a non-string id; `SerializationError` for a
   * corrupt snapshot; {@link StoreError} when Redis fails.
   * @example
   * ```ts
   * const state = await store.load('order-17');
   * ```
   */
  async load(jobId: string): Promise<JobState | undefined> {
    return (await this.loadWithSeq(jobId))?.state;
  }

  /** @internal `load`, with the seq of the job's last status publication. */
  async loadWithSeq(jobId: string): Promise<{ state: JobState; seq: number } | undefined> {
    checkId(jobId, 'RedisJobStore.load');
    const keys = jobKeys(this.prefix, jobId);
    const [text, journal, seq] = await storeCall(jobId, keys.state, 'load', () => LOAD.run(this.client, [keys.state, keys.journal, keys.meta], []) as Promise<[string | null, string[], string]>);
    if (typeof text !== 'string') return undefined;
    return { state: this.parseStored(jobId, text, journal), seq: Number(seq) };
  }

  /** @internal A stored snapshot text with its journal entries applied. @throws {SerializationError} for a corrupt one. */
  parseStored(jobId: string, text: string, journal: readonly string[]): JobState {
    try {
      return replayJournal(JobState.fromJSON(text), journal);
    } catch (error) {
      throw loadError(error, jobId, jobKeys(this.prefix, jobId).state);
    }
  }

  /**
   * The ids of every stored job, sorted (a SCAN of the prefix's snapshot keys; a key that matches
   * but that this store cannot have written, such as one of a prefix `<prefix>:job:{x}`, is not one).
   * @throws {StoreError} (rejects) when Redis fails.
   * @example
   * ```ts
   * const ids = await store.list(); // ['order-17', 'order:18']
   * ```
   */
  async list(): Promise<string[]> {
    // SCAN for the snapshot keys (every master of a cluster): no index to keep in step per save.
    const pattern = `${this.prefix.replace(/[*?[\]\\]/g, '\\$&')}:job:{*}:state`;
    const clients = typeof (this.client as Cluster).nodes === 'function' ? (this.client as Cluster).nodes('master') : [this.client as Redis];
    const ids = new Set<string>();
    for (const client of clients) {
      let cursor = '0';
      do {
        const [next, keys] = await storeCall(undefined, pattern, 'list', () => client.scan(cursor, 'MATCH', pattern, 'COUNT', 1000));
        cursor = next;
        for (const key of keys) {
          const id = ownId(key.slice(this.prefix.length + 6, key.length - 7));
          if (id !== undefined) ids.add(id);
        }
      } while (cursor !== '0');
    }
    return [...ids].sort();
  }

  /**
   * Removes the job, its journal, its lease and its streams; an unknown id is a no-op.
   * @throws {StoreError} (rejects) when Redis fails.
   * @example
   * ```ts
   * await store.delete('order-17');
   * ```
   */
  async delete(jobId: string): Promise<void> {
    checkId(jobId, 'RedisJobStore.delete');
    const keys = jobKeys(this.prefix, jobId);
    await storeCall(jobId, keys.state, 'delete', () => DELETE.run(this.client, [keys.state, keys.journal, keys.meta, keys.control, keys.inbox], []));
    this.epochs.delete(jobId);
  }

  /**
   * Whether `owner` now holds the lease of `jobId` for `ttlMs` (see {@link JobStore.acquire});
   * a new grant fences this instance's writes of the job with a new epoch.
   * @throws {ConfigurationError} (rejects) for bad arguments; {@link StoreError} when Redis fails.
   * @example
   * ```ts
   * if (await store.acquire('order-17', 'worker-1', 30_000)) flow.resume((await store.load('order-17'))!);
   * ```
   */
  async acquire(jobId: string, owner: string, ttlMs: number): Promise<boolean> {
    checkLeaseArguments('RedisJobStore.acquire', jobId, owner, ttlMs);
    return (await this.takeLease(jobId, owner, ttlMs)).granted;
  }

  /** @internal `acquire`, telling the epoch, expiry and recoveries (or the holder when refused). */
  async takeLease(jobId: string, owner: string, ttlMs: number): Promise<LeaseGrant> {
    const keys = jobKeys(this.prefix, jobId);
    const reply = (await storeCall(jobId, keys.meta, 'acquire the lease of', () => ACQUIRE.run(this.client, [keys.meta], [owner, Math.ceil(ttlMs)]))) as [number, string, string, string?];
    if (reply[0] === 0) return { granted: false, owner: reply[1], expiresAt: Number(reply[2]) };
    this.epochs.set(jobId, reply[1]);
    return { granted: true, epoch: reply[1], expiresAt: Number(reply[2]), recoveries: Number(reply[3]) };
  }

  /** @internal The epoch this instance's writes of `jobId` are fenced by, if it holds the lease. */
  epochOf(jobId: string): string | undefined {
    return this.epochs.get(jobId);
  }

  /** @internal Stops fencing writes of `jobId` (its lease was let go or lost by other means). */
  forget(jobId: string): void {
    this.epochs.delete(jobId);
  }

  /**
   * Drops the lease of `jobId` if `owner` holds it; a no-op otherwise.
   * @throws {ConfigurationError} (rejects) for bad arguments; {@link StoreError} when Redis fails.
   * @example
   * ```ts
   * await store.release('order-17', 'worker-1');
   * ```
   */
  async release(jobId: string, owner: string): Promise<void> {
    checkLeaseArguments('RedisJobStore.release', jobId, owner);
    const keys = jobKeys(this.prefix, jobId);
    const dropped = await storeCall(jobId, keys.meta, 'release the lease of', () => RELEASE.run(this.client, [keys.meta], [owner, this.epochs.get(jobId) ?? '']));
    if (dropped === 1) this.epochs.delete(jobId);
  }

  /**
   * The unexpired lease of `jobId`, or `undefined`.
   * @throws {ConfigurationError} (rejects) for a non-string id; {@link StoreError} when Redis fails.
   * @example
   * ```ts
   * const lease = await store.leaseOf('order-17'); // { owner: 'worker-1', expiresAt: 1767225600000 }
   * ```
   */
  async leaseOf(jobId: string): Promise<JobLease | undefined> {
    checkId(jobId, 'RedisJobStore.leaseOf');
    const keys = jobKeys(this.prefix, jobId);
    const reply = (await storeCall(jobId, keys.meta, 'read the lease of', () => LEASE_OF.run(this.client, [keys.meta], []))) as string[];
    return reply.length === 2 ? { owner: reply[0], expiresAt: Number(reply[1]) } : undefined;
  }

  /**
   * Deletes the jobs {@link PruneOptions} selects, skipping leased ones, corrupt ones and ones
   * written since prune read them; resolves with how many.
   * @throws {ConfigurationError} (rejects) naming a bad option; {@link StoreError} when Redis
   * fails (on one job: after trying the others).
   * @example
   * ```ts
   * const deleted = await store.prune({ statuses: ['completed', 'cancelled'], olderThan: 86_400_000 });
   * ```
   */
  async prune(options?: PruneOptions): Promise<number> {
    const resolved = resolvePruneOptions(options, 'RedisJobStore.prune');
    return pruneRedisJobs({ client: this.client, prefix: this.prefix, ids: await this.list(), parse: (id, text, journal) => this.parseStored(id, text, journal) }, resolved);
  }

  /**
   * Closes the connection this store opened (a client you passed in stays open).
   * @example
   * ```ts
   * await store.close();
   * ```
   */
  async close(): Promise<void> {
    if (this.owned) await closeClient(this.client);
  }

  private refused(jobId: string, key: string, epoch: string, reply: [number, unknown, string?]): StoreError {
    const owner = reply[2] ? `'${reply[2]}'` : 'nobody (the lease expired)';
    return fenced(`RedisJobStore: job '${jobId}' was taken over: its lease epoch is now ${String(reply[1]) || '(none)'}, held by ${owner}; this store holds epoch ${epoch}, so its write is refused`, jobId, key);
  }
}
