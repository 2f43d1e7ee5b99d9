import type { Observer } from 'rxjs';
import { ConfigurationError, JobStateError } from '../errors/errors.js';
import type { Payload } from '../core/payload.js';
import { EMPTY_PAYLOAD } from '../core/payload.js';
import type { Slot } from '../model/slot.js';
import type { JobRuntime } from '../runtime/job-runtime.js';
import { Task } from '../runtime/task.js';

/**
 * @internal `job.send`: queues an activation of `slot` with `data` in the job.
 *
 * @throws {JobStateError} when the job takes no more input; {@link ConfigurationError} when
 * `data` is not a plain object.
 * @example
 * ```ts
 * sendToSlot(rt, slot, { line: 'a' }, "send('parser', 'in')");
 * ```
 */
export function sendToSlot(rt: JobRuntime, slot: Slot, data: unknown, where: string): void {
  if (!rt.accepting) throw new JobStateError(`cannot send to job '${rt.id}': it is ${rt.status}`);
  const kind = payloadKind(data);
  if (kind !== undefined) throw new ConfigurationError(`${where}: a payload must be a plain object, got ${kind}`);
  rt.queue(new Task(rt, slot, (data as Payload | undefined) ?? EMPTY_PAYLOAD, 1, rt.clock.now(), undefined));
  rt.dispatcher.request();
  rt.mark();
}

/**
 * @internal `job.input`: an Observer feeding `slot`, which keeps the job open until it completes;
 * an error (or a payload that is not a plain object) goes through the slot routine's policy.
 *
 * @throws {JobStateError} when the job takes no more input.
 * @example
 * ```ts
 * from(lines).subscribe(openInput(rt, slot, "input('parser', 'in')"));
 * ```
 */
export function openInput(rt: JobRuntime, slot: Slot, where: string): Observer<Payload> {
  if (!rt.accepting) throw new JobStateError(`cannot open an input of job '${rt.id}': it is ${rt.status}`);
  const work = rt.work;
  work.holds++;
  let open = true;
  const release = (): void => {
    if (!open) return;
    open = false;
    rt.releaseHold();
  };
  return {
    next: (data) => {
      if (!open || !rt.accepting) return;
      const kind = payloadKind(data);
      if (kind !== undefined) {
        rt.streamFailed(slot, new ConfigurationError(`${where}: a payload must be a plain object, got ${kind}`));
        return;
      }
      rt.queue(new Task(rt, slot, data ?? EMPTY_PAYLOAD, 1, rt.clock.now(), undefined));
      rt.dispatcher.request();
      rt.mark();
    },
    error: (error: unknown) => {
      if (!open) return;
      release();
      rt.streamFailed(slot, error);
    },
    complete: release,
  };
}

/**
 * @internal What a value sent to a job is, when it is not a plain-object payload ('null', 'an
 * array', or its `typeof`); undefined for a payload. The words of the local refusal, which a
 * remote input sends its owner (routilux/bullmq) to refuse the same way.
 *
 * @example
 * ```ts
 * payloadKind([1]); // 'an array'
 * payloadKind({ line: 'a' }); // undefined
 * ```
 */
export function payloadKind(data: unknown): string | undefined {
  if (data === null) return 'null';
  if (Array.isArray(data)) return 'an array';
  return typeof data === 'object' ? undefined : typeof data;
}
