import type { Routine } from '../../lib/model/routine.js';
import type { Payload } from '../../lib/core/payload.js';

/** Everything `routine` emits on `event` from now on, outside any flow. */
export function collect(routine: Routine, event = 'output'): Payload[] {
  const seen: Payload[] = [];
  const source = routine.getEvent(event);
  if (source === undefined) throw new Error(`no event '${event}' on ${routine.id}`);
  source.asObservable().subscribe((p) => seen.push(p));
  return seen;
}

/** Sends `payload` to `slot` (default `input`) and returns what came out on `event`. */
export function run(routine: Routine, payload: Payload, options: { slot?: string; event?: string } = {}): Payload[] {
  const out = collect(routine, options.event);
  routine.getSlot(options.slot ?? 'input')!.receive(payload);
  return out;
}

/** The one payload `run` produced; fails when there is not exactly one. */
export function runOne(routine: Routine, payload: Payload, options: { slot?: string; event?: string } = {}): Payload {
  const out = run(routine, payload, options);
  if (out.length !== 1) throw new Error(`expected one emit, got ${out.length}`);
  return out[0]!;
}
