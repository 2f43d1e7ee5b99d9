/**
 * Review s16h (upgrade compatibility of the sixteenth session's typing changes). Each program
 * below is correct, compiled against the published declarations of 32a14c5, and did not compile
 * on 22a3949 (fixed: MappedPayload's identity without a mapping, and a defineJoin overload for
 * arrays of unknown length). Checked against lib/ (spec-types/tsconfig.json) and against the
 * published declarations (spec-types/published.tsconfig.json, in npm test after the build).
 */
import { Flow, Routine, type Event, type Slot } from 'routilux'; // (lib/ here; dist/ in published.tsconfig.json)

interface Order { id: string; amount: number }
interface Ref { id: string }

class Source extends Routine<{}, { out: Order }> {
  constructor() {
    super();
    this.defineEvent('out');
  }
}
class Sink extends Routine<{ in: Order; ref: Ref }, {}> {
  constructor() {
    super();
    this.defineSlot('in', () => undefined);
    this.defineSlot('ref', () => undefined);
  }
}

// REGRESSION 1: a generic helper wiring an Event<T> to a Slot<T> without a mapping. With
// `Slot<in T>` the slot must be a Slot<MappedPayload<T, {}>>, which TypeScript cannot reduce for
// a type parameter T (published 32a14c5: compiled, the slot being bivariant).
export function wire<T extends object>(flow: Flow, event: Event<T>, slot: Slot<T>): void {
  flow.connect(event, slot);
}
const flow = new Flow();
wire(flow, new Source().event('out'), new Sink().slot('in'));

// REGRESSION 2: DESIGN.md `defineJoin<K extends keyof S & string>(name, slots: readonly K[], ...)`:
// a typed routine's join from an array (not a tuple) of its slot names no longer compiles.
export class Pair extends Routine<{ a: Order; b: Ref }, { out: Order }> {
  constructor() {
    super();
    this.defineEvent('out');
    const sides: ('a' | 'b')[] = ['a', 'b'];
    this.defineJoin('pair', sides, ({ a }, ctx) => ctx.emit('out', a));
    const ro: readonly ('a' | 'b')[] = sides;
    this.defineJoin('pair2', ro, ({ a }, ctx) => ctx.emit('out', a));
  }
}
