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
  if (!isPlainPayload(data)) throw new ConfigurationError(`${where}: a payload must be a plain object, got ${describeType(data)}`);
  rt.queue(new Task(rt, slot, data ?? EMPTY_PAYLOAD, 1, rt.clock.now(), undefined));
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
    if (work.holds > 0) work.holds--;
    rt.dispatcher.later(() => rt.settleIfIdle());
  };
  return {
    next: (data) => {
      if (!open || !rt.accepting) return;
      if (!isPlainPayload(data)) {
        rt.streamFailed(slot, new ConfigurationError(`${where}: a payload must be a plain object, got ${describeType(data)}`));
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

function isPlainPayload(data: unknown): data is Payload {
  return typeof data === 'object' && data !== null && !Array.isArray(data);
}

function describeType(data: unknown): string {
  return data === null ? 'null' : Array.isArray(data) ? 'an array' : typeof data;
}
