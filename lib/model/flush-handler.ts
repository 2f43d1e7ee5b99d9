import type { Observable } from 'rxjs';
import type { AnyPorts, PortMap } from './typed-ports.js';
import type { ExecutionContext } from './execution-context.js';

/**
 * What runs when a job has no queued or running work left, for a routine activated since its
 * last flush: it may emit (the job goes on) or do nothing. `E` is the routine's event map: in a
 * typed routine `ctx.emit` takes only its events, each with its payload type.
 *
 * @example
 * ```ts
 * const flush: FlushHandler<{ batch: { items: unknown[] } }> = (ctx) => ctx.emit('batch', { items: [] });
 * ```
 */
export type FlushHandler<E extends PortMap<E> = AnyPorts> = (ctx: ExecutionContext<E>) => void | PromiseLike<unknown> | Observable<unknown>;
