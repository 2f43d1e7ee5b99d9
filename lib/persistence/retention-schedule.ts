/**
 * The shortest time between two background prunes of one store, whatever `olderThan` says.
 *
 * @example
 * ```ts
 * const interval = Math.max(retention.olderThan, MIN_RETENTION_INTERVAL); // at least a minute
 * ```
 */
export const MIN_RETENTION_INTERVAL = 60_000;

/**
 * @internal When FileJobStore's `retention` prunes: the first {@link RetentionSchedule.poke}
 * (the store opening its directory) starts a prune, later pokes (after saves) start one only
 * if none is running and the last one started at least `interval` ms ago. No timer: a store
 * nobody uses keeps no process alive and costs nothing. The prune runs in the background; its
 * outcome, failure included, is dropped (a checkpoint must never fail because housekeeping did).
 *
 * @example
 * ```ts
 * const schedule = new RetentionSchedule(Math.max(olderThan, MIN_RETENTION_INTERVAL), () => store.prune(options));
 * schedule.poke();            // after each save
 * await schedule.settled();   // before shutting down, to let a prune in progress finish
 * ```
 */
export class RetentionSchedule {
  private running: Promise<void> | undefined = undefined;
  private nextAt = 0;

  constructor(
    readonly interval: number,
    private readonly prune: () => Promise<unknown>,
  ) {}

  /**
   * Starts a background prune if one is due; never throws.
   *
   * @example
   * ```ts
   * schedule.poke();
   * ```
   */
  poke(): void {
    const now = Date.now();
    if (this.running !== undefined || now < this.nextAt) return;
    this.nextAt = now + this.interval;
    let prune: Promise<unknown>;
    try {
      prune = this.prune();
    } catch {
      return;
    }
    const running: Promise<void> = prune.then(noop, noop).then(() => {
      if (this.running === running) this.running = undefined;
    });
    this.running = running;
  }

  /**
   * Resolves once the background prune in progress, if any, has finished (never rejects).
   *
   * @example
   * ```ts
   * await schedule.settled();
   * ```
   */
  settled(): Promise<void> {
    return this.running ?? Promise.resolve();
  }
}

function noop(): void {}
