import type { Payload } from '../core/payload.js';
import type { ExecuteOptions, OpenOptions } from './flow-options.js';
import type { Flow } from './flow.js';
import type { Job } from './job.js';

/**
 * Where a flow's jobs run when not in this process: `flow.start` and `flow.open` hand the job to
 * the runner (`FlowOptions.runner` for every job of the flow, `ExecuteOptions.runner` for one)
 * and return the Job handle it gives back. The core knows only this interface; `BullMQRunner`
 * (`routilux/bullmq`) implements it on worker processes. `runner: null` in the options runs the
 * job here even when the flow has a runner (what a worker does with the jobs it owns).
 *
 * @example
 * ```ts
 * const runner: JobRunner = new BullMQRunner({ connection: { host: '127.0.0.1', port: 6379 } });
 * const job = flow.start('intake', { id: 42 }, { runner });
 * ```
 */
export interface JobRunner {
  /**
   * Starts a job of `flow` elsewhere and returns its handle at once (nothing has run yet).
   * @throws {ConfigurationError} for an unknown entry routine or bad params or options.
   */
  start(flow: Flow, entryId: string, params: Payload, options: ExecuteOptions): Job;
  /** Opens a job of `flow` elsewhere (see `Flow.open`). */
  open(flow: Flow, options: OpenOptions): Job;
}
