// No library import here: the floors (rx-chain.ts, fifo-chain.ts) use this without loading it.

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
