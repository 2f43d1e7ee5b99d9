import type { RedisClient } from './lua-script.js';
import { readControl, type ControlEntry } from './wire.js';

/**
 * @internal Reads one job's control stream for its owner: from the saved cursor on, one read at
 * a time (a nudge during a read reads again after it), each batch handed to `apply` in a
 * macrotask of its own. That keeps an apply from ever running between a checkpoint's snapshot
 * and its write (both happen within one run of microtasks), so a cursor saved with a snapshot
 * never runs ahead of the state it belongs to.
 *
 * @example
 * ```ts
 * const reader = new ControlReader(client, keys.control, report, (entries) => applyAll(entries));
 * reader.seen = meta.cursor ?? '';
 * const first = await reader.read();
 * reader.readSoon(); // on a nudge
 * ```
 */
export class ControlReader {
  /** The last entry read. */
  seen = '';
  private reading: Promise<void> | undefined = undefined;
  private again = false;
  private stopped = false;

  constructor(
    private readonly client: RedisClient,
    private readonly key: string,
    private readonly report: (error: unknown) => void,
    private readonly apply: (entries: ControlEntry[]) => void,
    /** Called when a read ends (the owner looks at the job again). */
    private readonly done: () => void,
  ) {}

  /** A read is under way (or its entries wait for their macrotask). */
  get busy(): boolean {
    return this.reading !== undefined;
  }

  /** The entries after the last one read, marked read (an unreadable one is reported and skipped). */
  async read(): Promise<ControlEntry[]> {
    return this.accept((await this.client.xrange(this.key, this.seen === '' ? '-' : `(${this.seen}`, '+')) as Array<[string, string[]]>);
  }

  /** Entries read elsewhere (the take), marked read. */
  accept(raw: Array<[string, string[]]>): ControlEntry[] {
    if (raw.length > 0) this.seen = raw[raw.length - 1][0];
    const out: ControlEntry[] = [];
    for (const item of raw) {
      try {
        out.push(...readControl([item]));
      } catch (error) {
        this.report(error); // a newer client's format, say
      }
    }
    return out;
  }

  /** Reads (again) soon and applies what it finds. */
  readSoon(): void {
    if (this.stopped) return;
    if (this.reading !== undefined) {
      this.again = true;
      return;
    }
    this.reading = (async () => {
      do {
        this.again = false;
        const entries = await this.read();
        if (entries.length > 0 && !this.stopped) await new Promise<void>((resolve) => setImmediate(() => (this.apply(entries), resolve())));
      } while (this.again && !this.stopped);
    })()
      .catch((error: unknown) => this.report(error))
      .finally(() => {
        this.reading = undefined;
        this.done();
      });
  }

  /** No more reads start. */
  stop(): void {
    this.stopped = true;
  }
}
