/**
 * Runs a spec file's slow scenarios (crash runs that mostly wait for BullMQ's stall recovery)
 * at the same time, each test awaiting its own. Register scenarios while the file loads; the
 * file's `before` starts them all (`startAll`), after its fixtures' own `before` hooks (a
 * per-file redis-server). A scenario that fails fails its test only.
 *
 * @example
 * ```ts
 * const runs = new Concurrently();
 * before(() => runs.startAll());
 * const late = runs.add(() => crashRun(1_000));
 * it('...', async () => expect((await late()).v).to.equal(2));
 * ```
 */
export class Concurrently {
  private readonly starters: Array<() => void> = [];

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
    this.starters.push(() => void start());
    return start;
  }

  /** Starts every scenario registered. */
  startAll(): void {
    for (const start of this.starters) start();
  }
}
