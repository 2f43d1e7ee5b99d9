/**
 * Runs a spec file's slow scenarios (crash runs that mostly wait for BullMQ's stall recovery)
 * at the same time, each test awaiting its own. Register scenarios while the file loads; the
 * file's `before` starts them (`startAll`), after its fixtures' own `before` hooks (a
 * per-file redis-server). A scenario that fails fails its test only. With `limit`, at most that
 * many run at once, in the order registered (each starts its worker processes: on two cores,
 * thirty starting together slow the longest scenario down more than they gain); a test that
 * awaits a scenario not started yet starts it.
 *
 * @example
 * ```ts
 * const runs = new Concurrently({ limit: 6 });
 * before(() => runs.startAll());
 * const late = runs.add(() => crashRun(1_000));
 * it('...', async () => expect((await late()).v).to.equal(2));
 * ```
 */
export class Concurrently {
  private readonly starters: Array<() => Promise<unknown>> = [];
  private readonly limit: number;

  constructor(options: { limit?: number } = {}) {
    this.limit = options.limit ?? Infinity;
  }

  /** Registers a scenario; the function returned resolves with its result (starting it if not started). */
  add<R>(run: () => Promise<R>): () => Promise<R> {
    let started: Promise<R> | undefined;
    const start = (): Promise<R> => {
      if (started === undefined) {
        started = run();
        started.catch(() => undefined); // (awaited by its test; not unhandled meanwhile)
      }
      return started;
    };
    this.starters.push(start);
    return start;
  }

  /**
   * A group of scenarios that run one after another, in the order added (they share state, a
   * spec file's counters say), each still beside the other groups' and scenarios.
   */
  inOrder(): { add<R>(run: () => Promise<R>): () => Promise<R> } {
    let last: Promise<unknown> = Promise.resolve();
    return {
      add: <R>(run: () => Promise<R>): (() => Promise<R>) =>
        this.add(() => {
          const p = last.then(run, run);
          last = p.catch(() => undefined);
          return p;
        }),
    };
  }

  /** Starts the scenarios registered: all of them, or `limit` at a time. */
  startAll(): void {
    let next = 0;
    const more = (): void => {
      if (next >= this.starters.length) return;
      const start = this.starters[next++];
      void start().then(more, more);
    };
    for (let i = 0; i < Math.min(this.limit, this.starters.length); i++) more();
  }
}
