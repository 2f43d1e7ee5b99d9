import { JobStateError, describeError } from '../errors/errors.js';
import type { RemoteListener } from './remote-listener.js';

/**
 * @internal A remote job's command chain: the steps a handle sends (its start, commands,
 * requests) run one after another in call order, so they reach the control stream in that
 * order. A start comes first; commands given before its id was granted (a cancel in the same
 * turn as the start) reach the stream before the job is queued, so its first owner applies them
 * before it runs anything, as a local job would. After a failed start nothing more is sent (a
 * refused id is another job's), and nothing listens to the job's channel before the id is
 * granted.
 *
 * @example
 * ```ts
 * const chain = new CommandChain('order-17', listener);
 * chain.enqueue(async () => { await chain.watchSoon(); await send(); }, report);
 * ```
 */
export class CommandChain {
  private chain: Promise<unknown> | undefined = undefined; // (from the first step)
  /** Where the start is: none (an attached handle), registering its id, or granted (or failed: see `refused`). */
  private phase: 'none' | 'registering' | 'granted' = 'none';
  /** Resolves once the start registered the id: made only when a step asks before then (most starts have none). */
  private registered: { promise: Promise<void>; resolve: () => void; reject: (error: unknown) => void } | undefined = undefined;
  /** Why the start failed: what is queued after it is refused with this. */
  private refused: JobStateError | undefined = undefined;

  constructor(
    private readonly jobId: string,
    private readonly listener: RemoteListener,
  ) {}

  /** Runs `step` after the steps queued before it; `failed` gets its error (or the start's refusal). */
  enqueue(step: () => Promise<void>, failed: (error: unknown) => void): void {
    this.chain = (this.chain ?? Promise.resolve()).then(() => (this.refused === undefined ? step() : Promise.reject(this.refused))).catch((error: unknown) => failed(error));
  }

  /** Subscribes to the job's channel now, or once its start registered the id (for a queued step to await). */
  watchSoon(): Promise<void> {
    if (this.phase !== 'registering' && this.refused === undefined) return this.listener.watchNow();
    if (this.registered === undefined) {
      let resolve!: () => void;
      let reject!: (error: unknown) => void;
      const promise = this.refused !== undefined ? Promise.reject(this.refused) : new Promise<void>((res, rej) => ((resolve = res), (reject = rej)));
      this.registered = { promise, resolve, reject };
    }
    const watching = this.registered.promise.then(() => this.listener.watch());
    watching.catch(() => undefined); // the step that awaits it is refused first, or reports the failure
    return watching;
  }

  /**
   * Queues the start: once `followed` resolves (the runner's channel is live), `register` claims
   * the id, calling `follow` once it is granted, and returns the step that queues the job, which
   * runs at once unless commands were queued meanwhile (then after them). `failed` gets what
   * went wrong; every later step is refused.
   */
  start(followed: () => Promise<void>, register: (follow: () => void) => Promise<() => Promise<void>>, failed: (error: unknown) => void): void {
    this.phase = 'registering';
    const granted = (): void => {
      this.phase = 'granted';
      this.listener.follow();
      this.registered?.resolve();
    };
    const fail = (error: unknown): void => {
      this.phase = 'granted'; // (settled: `refused` says how)
      this.refused ??= new JobStateError(`job '${this.jobId}' was not started (${describeError(error).message}): nothing is sent for it`);
      this.registered?.promise.catch(() => undefined); // (what awaits it is refused first: see enqueue)
      this.registered?.reject(error);
      failed(error);
    };
    let tail: Promise<unknown> | undefined = undefined;
    const step = async (): Promise<void> => {
      const queue = await register(granted);
      if (this.chain === tail) await queue();
      else this.enqueue(queue, fail);
    };
    if (this.chain !== undefined) this.enqueue(() => followed().then(step), fail);
    else {
      // The first step of a fresh handle (the runner's start): nothing to chain onto, so no
      // resolved promise and no step promise per job of a client starting thousands at once.
      let live: Promise<void>;
      try {
        live = followed();
      } catch (error) {
        live = Promise.reject(error);
      }
      this.chain = live.then(step).catch(fail);
    }
    tail = this.chain;
  }
}
