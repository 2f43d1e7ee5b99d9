import type { Subscription } from 'rxjs';
import type { Clock } from './clock.js';

/**
 * @internal A job's execution timeout: one timer on the flow's clock that pause suspends
 * (keeping the time left) and resume restarts, so a job waiting for a human does not time
 * out. Only a job with a timeout has one; nothing here is touched while the job runs.
 */
export class JobDeadline {
  private sub: Subscription | undefined = undefined;
  private dueAt: number | undefined = undefined;
  private left: number | undefined = undefined;

  constructor(
    private readonly clock: Clock,
    /** The timeout, in ms of the flow's clock. */
    readonly ms: number,
    private readonly expired: () => void,
  ) {}

  /** Starts (or, after a pause, restarts with the time left); a running timer is kept. */
  start(): void {
    if (this.sub !== undefined) return;
    const ms = this.left ?? this.ms;
    this.dueAt = this.clock.now() + ms;
    this.sub = this.clock.schedule(() => {
      this.sub = undefined;
      this.expired();
    }, ms);
  }

  /** Pause keeps the remaining time: a job waiting for a human does not time out. */
  suspend(): void {
    if (this.sub === undefined) return;
    this.left = Math.max(0, this.dueAt! - this.clock.now());
    this.sub.unsubscribe();
    this.sub = undefined;
  }

  /** What is left of the timeout while it counts (running, or suspended by a pause); undefined before the start and once stopped. */
  remaining(): number | undefined {
    return this.sub !== undefined ? Math.max(0, this.dueAt! - this.clock.now()) : this.left;
  }

  /** A job restored from a snapshot goes on with the time it had left then (at most its timeout), not a whole new timeout. */
  goOnWith(left: number): void {
    if (this.sub === undefined) this.left = Math.min(left, this.ms);
  }

  /** The job settled or failed: a failed job resumed later gets the whole timeout again, paused before or not. */
  stop(): void {
    this.sub?.unsubscribe();
    this.sub = undefined;
    this.left = undefined;
  }
}
