import type { Observer } from 'rxjs';
import type { Payload } from '../core/payload.js';
import { describeError } from '../errors/errors.js';
import type { ControlCommand } from './wire.js';
import { payloadKind } from '../flow/job-input.js';

/** How a remote input names a value that is not a plain object (the kinds a local input reports). */
type BadKind = 'null' | 'an array' | 'number' | 'string' | 'boolean' | 'undefined' | 'bigint' | 'symbol' | 'function';

/**
 * @internal The Observer of a remote job's `input(routineId, slotName)`: each value is a send, an
 * error or completion closes the owner's input of that id (opened by the `hold` command the
 * caller sent). A value that is not a plain object travels as its kind
 * only, and the owner feeds its input a value of that kind: the local input then fails it
 * through the slot routine's error policy, with the local message, and stays open, exactly as
 * in-process. Nothing is thrown into the source.
 *
 * @example
 * ```ts
 * const observer = remoteInput('in-1', 'acc', 'in', (command, meta) => this.command(command, meta), () => this.ended());
 * ```
 */
export function remoteInput(id: string, routineId: string, slotName: string, command: (command: ControlCommand, meta?: [string, string]) => void, ended: () => boolean): Observer<Payload> {
  const field = `hold:${id}`;
  let open = true;
  return {
    next: (data) => {
      if (!open || ended()) return;
      const kind = payloadKind(data);
      command(kind === undefined ? { op: 'send', routineId, slotName, data } : { op: 'input-bad', id, kind });
    },
    error: (error: unknown) => {
      if (!open) return;
      open = false;
      command({ op: 'input-error', id, routineId, slotName, error: describeError(error) }, [field, '']);
    },
    complete: () => {
      if (!open) return;
      open = false;
      command({ op: 'unhold', id }, [field, '']);
    },
  };
}

/**
 * @internal A value of the kind a remote input reported (see {@link remoteInput}), for the owner to feed
 * its local input.
 *
 * @example
 * ```ts
 * holds.get(id)?.next(valueOfKind('an array') as Payload); // fails through the error policy, as the client's next([1]) would in-process
 * ```
 */
export function valueOfKind(kind: string): unknown {
  switch (kind as BadKind) {
    case 'null':
      return null;
    case 'an array':
      return [];
    case 'number':
      return 0;
    case 'string':
      return '';
    case 'boolean':
      return false;
    case 'bigint':
      return 0n;
    case 'symbol':
      return Symbol(kind);
    case 'function':
      return () => undefined;
    default:
      return undefined;
  }
}
