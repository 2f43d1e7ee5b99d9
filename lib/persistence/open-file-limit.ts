/**
 * @internal A first-come, first-served limit on the file operations of one store that may hold
 * an open file at once. Each operation given to {@link OpenFileLimit.run} opens at most one
 * file at a time (a write closes its temp file before it opens the directory to fsync it), so
 * `max` slots mean at most `max` open descriptors, however many jobs checkpoint at once; the
 * rest wait in the queue instead of failing with `EMFILE`.
 *
 * @example
 * ```ts
 * const limit = new OpenFileLimit(64);
 * const text = await limit.run(() => readFile(file, 'utf8'));
 * ```
 */
export class OpenFileLimit {
  private running = 0;
  private readonly waiting: Array<() => void> = [];

  constructor(readonly max: number) {}

  /** Operations running now plus those queued (for tests and diagnostics). */
  get pending(): number {
    return this.running + this.waiting.length;
  }

  /**
   * Runs `op` once a slot is free and frees the slot when it settles (failures included).
   *
   * @example
   * ```ts
   * await limit.run(() => unlink(file));
   * ```
   */
  async run<T>(op: () => Promise<T>): Promise<T> {
    if (this.running < this.max) this.running++;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await op();
    } finally {
      // Hand the slot straight to the next in line, so a newcomer cannot overtake the queue.
      const next = this.waiting.shift();
      if (next) next();
      else this.running--;
    }
  }
}
