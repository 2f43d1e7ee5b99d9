import { Flow, Routine, type FlowOptions } from '../../lib/index.js';
import { Tally } from './tally.js';

export { Tally };

/** `trigger` ({ n }) emits `{ value: i }` for i in 0..n-1 on `out`. */
export class Entry extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ n: number }>('trigger', (data) => {
      for (let i = 0; i < data.n; i++) this.emit('out', { value: i });
    });
  }
}

/** `in` ({ value }) emits `{ value: value + 1 }` on `out`. */
export class Relay extends Routine {
  constructor() {
    super();
    this.defineEvent('out', ['value']);
    this.defineSlot<{ value: number }>('in', (data) => {
      this.emit('out', { value: data.value + 1 });
    });
  }
}

/** `in` ({ value }) records `value + 1` (the relay's +1, recorded instead of emitted) into a tally. */
export class Recorder extends Routine {
  tally: Tally = new Tally(0, 0);

  constructor() {
    super();
    this.defineSlot<{ value: number }>('in', (data) => {
      this.tally.add(data.value + 1);
    });
  }
}

/**
 * chain10: `entry` → r1 → ... → r9 (relays) → r10 (records). R10 receives i + 9 and records
 * i + 10, so every relay did its +1. Slot activations per message: 10.
 */
export function chain10Flow(options: FlowOptions = {}): { flow: Flow; sink: Recorder } {
  const flow = new Flow(options);
  flow.addRoutine(new Entry(), 'entry');
  let previous = 'entry';
  for (let k = 1; k <= 9; k++) {
    flow.addRoutine(new Relay(), `r${k}`);
    flow.connect(previous, 'out', `r${k}`, 'in');
    previous = `r${k}`;
  }
  const sink = new Recorder();
  flow.addRoutine(sink, 'r10');
  flow.connect(previous, 'out', 'r10', 'in');
  return { flow, sink };
}
