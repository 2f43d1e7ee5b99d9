import { RENEW } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';
import { SlotMap } from '../core/slot-map.js';

/**
 * @internal Keeps an owner's lease of one job alive: renewed every third of `ttl` while it is
 * still this owner's at `epoch`; `lost()` once it is not (another owner took the job over).
 * A renewal Redis does not answer is skipped (the next may land before the lease runs out).
 * Returns the function that stops renewing. The timer does not keep the process alive.
 *
 * @example
 * ```ts
 * const stop = renewLease(client, keys.meta, owner, 30_000, epoch, () => session.lose());
 * ```
 */
export function renewLease(client: RedisClient, metaKey: string, owner: string, ttl: number, epoch: string, lost: () => void): () => void {
  const timer = setInterval(() => {
    RENEW.run(client, [metaKey], [owner, ttl, epoch]).then(
      (ok) => ok === 0 && lost(),
      () => undefined,
    );
  }, Math.max(50, Math.floor(ttl / 3)));
  timer.unref?.();
  return () => clearInterval(timer);
}

interface Held {
  readonly metaKey: string;
  readonly epoch: string;
  readonly lost: () => void;
}

/**
 * @internal The leases one worker holds, all renewed by one timer (every third of `ttl`, as
 * {@link renewLease} renews one): a job owned for a moment costs no timer of its own. A lease
 * found to be another owner's is dropped and reported `lost()` once. A lease
 * added just after a tick is renewed at the next, at most a third of `ttl` later, as with a timer
 * of its own; the renewals of one tick go out together (the client pipelines them). The timer
 * starts with the first lease, runs until `close()` (idle when nothing is held) and does not
 * keep the process alive.
 *
 * @example
 * ```ts
 * const leases = new LeaseKeeper(client, 'worker-1', 30_000);
 * const stop = leases.keep(keys.meta, epoch, () => session.lose());
 * ```
 */
export class LeaseKeeper {
  /** By a number of its own (not a Set of them: a job's `lost` reaches all of its objects, which a Set's churn kept past the scavenges; see SlotMap). */
  private readonly held = new SlotMap<number, Held>();
  private nextKey = 0;
  private timer: ReturnType<typeof setInterval> | undefined = undefined;

  constructor(
    private readonly client: RedisClient,
    private readonly owner: string,
    private readonly ttl: number,
  ) {}

  /** Renews the lease of `metaKey` at `epoch` until the returned function is called; `lost()` once it is another owner's. */
  keep(metaKey: string, epoch: string, lost: () => void): () => void {
    const key = this.nextKey++;
    this.held.set(key, { metaKey, epoch, lost });
    if (this.timer === undefined) {
      this.timer = setInterval(() => this.renew(), Math.max(50, Math.floor(this.ttl / 3)));
      this.timer.unref?.();
    }
    return () => void this.held.delete(key);
  }

  /** Stops the timer (the worker closes); a later `keep` starts it again. */
  close(): void {
    clearInterval(this.timer);
    this.timer = undefined;
  }

  private renew(): void {
    // Sent from the timer callback itself, not after an await: the owner's client writes a tick's
    // commands at the tick's end (TickWritesRedis), and Node ends a timer callback's tick right
    // after it, so a renewal never waits behind handlers' work (spec/bullmq/review-s23a.spec.ts).
    this.held.forEach((held, key) => {
      RENEW.run(this.client, [held.metaKey], [this.owner, this.ttl, held.epoch]).then(
        (ok) => ok === 0 && this.held.delete(key) && held.lost(), // another owner's now: never ours again at this epoch
        () => undefined, // unanswered: the next tick may land before the lease runs out
      );
    });
  }
}
