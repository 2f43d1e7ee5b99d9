import type { Payload } from '../core/payload.js';
import type { ActivationContext } from '../model/activation-context.js';
import { errorType } from '../serialization/error-type-registry.js';
import { decodeValue, type Effect } from './wire.js';

// What a pool result does on its owner: its effects, and its handler's error (pool-results.ts
// runs the activation and applies its result with these).

/**
 * @internal Applies a pool result's buffered effects through the owner's context of its
 * activation, in order: emits, shared data, routine state, slot reset, deferred events, outputs,
 * a pause.
 *
 * @example
 * ```ts
 * applyEffects(ctx, [{ k: 'emit', e: 'out', d: { v: 1 } }]);
 * ```
 */
export function applyEffects(ctx: ActivationContext, effects: Effect[]): void {
  const routine = ctx.slot.routine;
  for (const e of effects) {
    switch (e.k) {
      case 'emit':
        // Checked on the pool already, by the same flow's event schema: its output is the
        // payload (a transforming schema would refuse its own output if checked again).
        ctx.host.emitFrom(routine._requireEvent(e.e), e.d as Payload, ctx.seq);
        break;
      case 'shared':
        ctx.setSharedData(e.key, e.v);
        break;
      case 'state':
        ctx.updateRoutineState(e.p as Record<string, unknown>);
        break;
      case 'reset':
        ctx.resetSlot();
        break;
      case 'defer':
        ctx.host.deferEvent(routine._requireEvent(e.e), e.d as Payload);
        break;
      case 'output':
        ctx.host.sendOutput(routine, e.t, e.d as Payload);
        break;
      case 'pause':
        ctx.pause(e.r, e.c as Payload).catch(() => undefined);
        break;
    }
  }
}

/**
 * @internal Applies a pool result (`raw`: its JSON, under `key`) through the owner's context of
 * its activation, nothing once the job was let go here; `applied` is called once its effects are.
 * Returns true when it only emitted.
 *
 * @throws the handler's error (see reviveError), if it failed on the pool.
 * @example
 * ```ts
 * const plain = applyResult(ctx, key, '{"effects":[]}', () => results.noteApplied(ctx));
 * ```
 */
export function applyResult(ctx: ActivationContext, key: string, raw: string, applied: () => void): boolean {
  if (ctx.silenced || ctx.host.abortSignal().aborted) return false; // let go meanwhile: nothing of it reaches the job
  const { effects, error } = JSON.parse(raw) as { effects: unknown; error?: { name: string; message: string } };
  const list = decodeValue(effects, `pool activation ${key}: effects`) as Effect[];
  applyEffects(ctx, list);
  applied();
  if (error !== undefined) throw reviveError(error);
  return list.every((e) => e.k === 'emit');
}

/**
 * @internal The pool handler's error as the owner's policy sees it: an instance of the
 * registered class of that name, else an Error with that name.
 *
 * @example
 * ```ts
 * throw reviveError({ name: 'TypeError', message: 'bad input' });
 * ```
 */
export function reviveError({ name, message }: { name: string; message: string }): Error {
  const type = errorType(name);
  const isClass = typeof type === 'function' && (type === Error || type.prototype instanceof Error);
  const error: Error = isClass ? Object.create(type.prototype) : new Error(message);
  Object.defineProperty(error, 'message', { value: message, writable: true, configurable: true });
  Object.defineProperty(error, 'name', { value: name, writable: true, configurable: true });
  if (isClass) Object.defineProperty(error, 'stack', { value: `${name}: ${message}\n    at (pool activation)`, writable: true, configurable: true });
  return error;
}
