import type { Subscription } from 'rxjs';
import type { ActivationContext } from '../model/activation-context.js';
import type { RoutineRun } from './routine-run.js';
import type { Task } from './task.js';

/**
 * @internal Marks a successful end (errors can be any value, `undefined` included).
 *
 * @example
 * ```ts
 * settle(a, OK);
 * ```
 */
export const OK: unique symbol = Symbol('ok');

/**
 * @internal An activation whose handler returned a promise or an observable: it holds a
 * worker until it settles, or until a cancel or failure lets it go.
 *
 * @example
 * ```ts
 * job.work.inflight.add(new InFlight(task.retain(), ctx, run, startedAt));
 * ```
 */
export class InFlight {
  sub: Subscription | undefined = undefined;
  timer: Subscription | undefined = undefined;
  /** Ended, or let go by a cancel/failure (then it only holds its worker until it settles). */
  done = false;
  detached = false;

  constructor(
    readonly task: Task,
    readonly ctx: ActivationContext,
    readonly run: RoutineRun,
    readonly startedAt: number,
  ) {}
}
