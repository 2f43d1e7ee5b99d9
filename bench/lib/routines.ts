import { Flow, Routine, type FlowOptions } from '../../lib/index.js';

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

/**
 * Counts what arrives, checking every expected value arrives exactly once. Values are expected
 * in `offset .. offset + n - 1`.
 */
export class Tally {
  count = 0;
  sum = 0;
  duplicates = 0;
  outOfRange = 0;
  lastValue = -Infinity;
  outOfOrder = 0;
  private readonly seen: Uint8Array;

  constructor(
    readonly n: number,
    readonly offset: number,
  ) {
    this.seen = new Uint8Array(n);
  }

  add(value: number): void {
    this.count++;
    this.sum += value;
    const i = value - this.offset;
    if (i < 0 || i >= this.n || !Number.isInteger(i)) this.outOfRange++;
    else if (this.seen[i] === 1) this.duplicates++;
    else this.seen[i] = 1;
    if (value < this.lastValue) this.outOfOrder++;
    this.lastValue = value;
  }

  /** Problems, empty when every value arrived exactly once. */
  problems(what: string): string[] {
    const out: string[] = [];
    const expectedSum = (this.n * (this.n - 1)) / 2 + this.offset * this.n;
    if (this.count !== this.n) out.push(`${what}: ${this.count} messages, expected ${this.n}`);
    if (this.sum !== expectedSum) out.push(`${what}: sum ${this.sum}, expected ${expectedSum}`);
    if (this.duplicates > 0) out.push(`${what}: ${this.duplicates} duplicates`);
    if (this.outOfRange > 0) out.push(`${what}: ${this.outOfRange} unexpected values`);
    return out;
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
