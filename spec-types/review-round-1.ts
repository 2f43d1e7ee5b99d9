/**
 * Review round 1 of issue 18 (typed flows): type-level defects found on main, each fixed with
 * the cases below (on main the first block did not compile and every `@ts-expect-error` in the
 * second was unused, which tsc reports).
 */
import { Flow, Routine, type Event } from '../lib/index.js';

interface Reading { v: number }
interface Note { note?: string }

// 1. A typed routine whose slot or event map is empty (`{}`: a sink that emits nothing, a source
//    with no slot) is a Routine: it can be added to a flow. On main: TS2345, "Type 'Slot<never>'
//    is not assignable to type 'Slot<Payload>'" (and the same for Event<never>).
class Sink extends Routine<{ in: Reading }, {}> {
  constructor() {
    super();
    this.defineSlot('in', ({ v }) => void v);
    // @ts-expect-error a routine with no events cannot emit
    this.emit('out', { v: 1 });
    // @ts-expect-error nor define one
    this.defineEvent('out');
  }
}
class Source extends Routine<{}, { out: Reading }> {
  constructor() {
    super();
    this.defineEvent('out');
    // @ts-expect-error a routine with no slots cannot define one
    this.defineSlot('in', () => undefined);
  }
}
const flow = new Flow();
const sink = new Sink();
const source = new Source();
flow.addRoutine(sink, 'sink');
flow.addRoutine(source, 'source');
flow.connect(source.event('out'), sink.slot('in'));
export const routines: Routine[] = [sink, source];

// 2. An emit of a typed event must carry its payload: `{}` is not a Reading. On main the data
//    argument was optional everywhere, so `this.emit('out')` compiled and delivered `{}`.
class Meter extends Routine<{ in: Reading }, { out: Reading; noted: Note }> {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineEvent('noted');
    this.defineSlot('in', (reading, ctx) => {
      // @ts-expect-error ctx.emit without the payload of a typed event
      ctx.emit('out');
      // @ts-expect-error this.emit without it
      this.emit('out');
      // @ts-expect-error emitDeferredEvent without it
      this.emitDeferredEvent('out');
      ctx.emit('out', reading);
      this.emit('out', { v: reading.v + 1 });
      this.emitDeferredEvent('out', reading);
      // A payload type whose fields are all optional may be left out, as before.
      ctx.emit('noted');
      this.emit('noted');
    });
  }
}
const meter = new Meter();
// @ts-expect-error event.emit without the payload of a typed event
meter.event('out').emit();
meter.event('out').emit({ v: 1 });
meter.event('noted').emit();
export const out: Event<Reading> = meter.event('out');

// Untyped routines are unchanged: any name, and the payload may be left out.
class Loose extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('in', (_data, ctx) => {
      ctx.emit('out');
      this.emit('out');
      this.emit('out', { anything: 1 });
      this.emitDeferredEvent('out');
    });
  }
}
const loose = new Loose();
loose.event('out').emit();
flow.addRoutine(meter, 'meter');
flow.addRoutine(loose, 'loose');
