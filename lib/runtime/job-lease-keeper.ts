import { describeError } from '../errors/errors.js';
import type { JobStore } from '../state/job-store.js';

/** A store that can lease its jobs. */
export type LeasingStore = JobStore & Required<Pick<JobStore, 'acquire' | 'release'>>;

/**
 * @internal Whether `store` can lease jobs (implements both `acquire` and `release`).
 *
 * @example
 * ```ts
 * if (isLeasing(flow.store)) new JobLeaseKeeper(flow.store, ...);
 * ```
 */
export function isLeasing(store: JobStore | undefined): store is LeasingStore {
  return store !== undefined && typeof store.acquire === 'function' && typeof store.release === 'function';
}

/** What the keeper tells the job's owner. */
export interface LeaseEvents {
  /** The lease is held: the job may run. */
  granted(): void;
  /** Another owner holds it (named when the store can tell), or the store failed: the job must not run here. */
  refused(reason: string): void;
}

/**
 * @internal Holds the lease of one stored job for one owner: acquires it, renews it every
 * third of its ttl while held, and releases it. Store calls run one after another (a release
 * followed at once by an acquire never lands in the wrong order). Renewal timers are real
 * time, like the stores' clocks, and do not keep the process alive.
 *
 * @example
 * ```ts
 * const keeper = new JobLeaseKeeper(store, 'job-1', 'worker-a', 30_000, { granted, refused });
 * keeper.acquire();
 * ```
 */
export class JobLeaseKeeper {
  /** none: not held; acquiring; held; lost: refused or taken over (the job stops here). */
  status: 'none' | 'acquiring' | 'held' | 'lost' = 'none';
  /**
   * Until when the lease is surely this owner's (wall-clock ms): the start of the last acquire
   * or renewal the store granted, plus the ttl. Past it, another owner may have taken the job
   * over (and let it go again, so a late renewal would simply be granted): no checkpoint is
   * written then, and the job is let go here.
   */
  private validUntil = 0;
  private chain: Promise<void> = Promise.resolve();
  private timer: ReturnType<typeof setInterval> | undefined = undefined;

  constructor(
    private readonly store: LeasingStore,
    private readonly jobId: string,
    private readonly owner: string,
    private readonly ttl: number,
    private readonly events: LeaseEvents,
  ) {}

  /** Takes the lease (or renews it); `granted` or `refused` follows. */
  acquire(): void {
    this.status = 'acquiring';
    this.then(async () => {
      let ok: boolean;
      const started = Date.now();
      try {
        ok = await this.store.acquire(this.jobId, this.owner, this.ttl);
      } catch (error) {
        return this.refuse(`its lease could not be taken: ${describeError(error).message}`);
      }
      if (!ok) return this.refuse(await this.holder());
      this.validUntil = started + this.ttl;
      this.status = 'held';
      this.startRenewing();
      this.events.granted();
    });
  }

  /** The lease is already held (taken by the caller, asked for at `acquiredAt`): keep it renewed. */
  adopt(acquiredAt = Date.now()): void {
    this.validUntil = acquiredAt + this.ttl;
    this.status = 'held';
    this.startRenewing();
  }

  /** Whether the lease is held and surely still this owner's (a checkpoint may be written). */
  get holds(): boolean {
    return this.status === 'held' && Date.now() < this.validUntil;
  }

  /**
   * Releases the lease once `after` settled (the job's last checkpoint landed). Returns when the
   * store's release has landed (or failed: the lease then expires anyway); `undefined` when the
   * lease was not held or being taken.
   */
  release(after: Promise<unknown>): Promise<void> | undefined {
    if (this.status !== 'held' && this.status !== 'acquiring') return undefined;
    this.stopRenewing();
    this.status = 'none';
    return this.then(async () => {
      await after.catch(() => undefined);
      await this.store.release(this.jobId, this.owner).catch(() => undefined); // it expires anyway
    });
  }

  /** Stops renewing without releasing (the job was let go). */
  stop(): void {
    this.stopRenewing();
    this.status = 'lost';
  }

  private then(step: () => Promise<void>): Promise<void> {
    return (this.chain = this.chain.then(step).catch(() => undefined));
  }

  private async refuse(reason: string): Promise<void> {
    this.stop();
    this.events.refused(reason);
  }

  private async holder(): Promise<string> {
    try {
      const lease = await this.store.leaseOf?.(this.jobId);
      return lease === undefined ? 'it is leased by another owner' : `it is leased by '${lease.owner}' until ${new Date(lease.expiresAt).toISOString()}`;
    } catch {
      return 'it is leased by another owner';
    }
  }

  private startRenewing(): void {
    if (this.timer !== undefined) return;
    this.timer = setInterval(() => {
      // Checked outside the chain: a renewal that hangs holds the chain, not the expiry.
      if (this.status === 'held' && Date.now() >= this.validUntil) return void this.expired();
      this.then(async () => {
        if (this.status !== 'held') return;
        let ok = false;
        const started = Date.now();
        try {
          ok = await this.store.acquire(this.jobId, this.owner, this.ttl);
        } catch {
          // A store hiccup: keep the job; the next renewal may succeed before the ttl runs out.
          return;
        }
        if (this.status !== 'held') return;
        if (!ok) return this.refuse(await this.holder());
        // Granted after the lease had run out: it may have been another's meantime (that owner
        // may have run the job and let it go), so this grant continues nothing.
        if (Date.now() >= this.validUntil) return this.expired();
        this.validUntil = started + this.ttl;
      });
    }, Math.max(1, Math.floor(this.ttl / 3)));
    (this.timer as { unref?: () => void }).unref?.();
  }

  /**
   * The lease ran out before a renewal landed: the job is let go here. A lease a late renewal
   * took is left to expire, not released: stores release by owner name, and this owner may
   * hold the job's lease again for a new run of it by then.
   */
  private expired(): void {
    if (this.status !== 'held') return;
    void this.refuse(`its lease ran out (${this.ttl} ms) before a renewal landed: another owner may have taken the job over`);
  }

  private stopRenewing(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.timer = undefined;
  }
}
