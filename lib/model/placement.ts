import type { Payload } from '../core/payload.js';
import type { ActivationContext } from './activation-context.js';

/**
 * Where a routine's handlers run when its flow's jobs run on worker processes: `'owner'` (the
 * default: in the process that owns the job) or `'pool'` (on the shared activation pool of
 * the workers; see `Routine.setPlacement`). In a plain in-process flow both run in place.
 *
 * @example
 * ```ts
 * const placement: Placement = 'pool';
 * ```
 */
export type Placement = 'owner' | 'pool';

/**
 * @internal Runs one activation of a `'pool'` routine elsewhere and applies its effects through
 * `ctx`; what it returns is the activation's outcome (a rejection is the handler's failure): a
 * thenable, which the engine waits for as it waits for a handler's (routilux/bullmq's calls its
 * callbacks synchronously, so that no snapshot falls between the effects and the end).
 * `undefined`: not handled here (the handler runs in place).
 */
export type PoolExecutor = (ctx: ActivationContext, payload: Payload) => PromiseLike<void> | undefined;

const executors = new WeakMap<object, PoolExecutor>();

/**
 * @internal Installs (or with `undefined` removes) the pool executor of a flow's jobs: a worker
 * (`routilux/bullmq`) does it for the flow it runs. Kept beside the flow, never on it.
 *
 * @example
 * ```ts
 * setPoolExecutor(flow, (ctx, payload) => pool.run(ctx, payload));
 * ```
 */
export function setPoolExecutor(flow: object, executor: PoolExecutor | undefined): void {
  if (executor === undefined) executors.delete(flow);
  else executors.set(flow, executor);
}

/** @internal The pool executor of `flow`'s jobs, if a worker installed one. @example `poolExecutorOf(job.flow)` */
export function poolExecutorOf(flow: object): PoolExecutor | undefined {
  return executors.get(flow);
}
