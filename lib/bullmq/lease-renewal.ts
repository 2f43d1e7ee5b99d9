import { RENEW } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';

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
