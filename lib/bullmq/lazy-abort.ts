/**
 * @internal An abort made on first use: a pool activation's signal (Tier 2). Most handlers
 * never read `ctx.signal`, and an AbortController with its signal cost a pool worker about 1.5 %
 * of its CPU per activation (dist_chain10's profile). An abort that comes first is kept and
 * given to the signal when one is made; the first reason wins, as with AbortController.
 *
 * @example
 * ```ts
 * const abort = new LazyAbort();
 * abort.abort(new CancelledError('job cancelled'));
 * abort.signal.aborted; // true: made now, already aborted
 * ```
 */
export class LazyAbort {
  private controller: AbortController | undefined = undefined;
  private aborted = false;
  private reason: unknown = undefined;

  get signal(): AbortSignal {
    if (this.controller === undefined) {
      this.controller = new AbortController();
      if (this.aborted) this.controller.abort(this.reason);
    }
    return this.controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.reason = reason;
    this.controller?.abort(reason);
  }
}
