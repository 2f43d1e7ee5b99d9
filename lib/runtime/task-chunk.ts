import type { Payload } from '../core/payload.js';

/** @internal Entries per chunk. @example `new Array(CHUNK)` */
export const CHUNK = 4096;

/**
 * @internal The payload of a task that carries what its handler received (retries, resumed runs).
 *
 * @example
 * ```ts
 * chunk.data[i] = new Carried(data, merged); chunk.setAttempt(i, -attempt);
 * ```
 */
export class Carried {
  constructor(
    readonly data: Payload,
    readonly merged: Payload,
  ) {}
}

/**
 * @internal A fixed block of task-queue entries, stored column-wise. Only the payload column holds pointers
 * (and lives on the GC heap); the rest are typed arrays, outside it. The attempt, enqueue time
 * and sequence number are stored narrow (1 + 4 + 4 bytes: attempts are small, times of one
 * chunk close together, sequence numbers below 2^32) and a chunk switches a column to its
 * wide form (Float64) the first time a value does not fit, so nothing is ever rounded.
 *
 * @example
 * ```ts
 * const c = new Chunk(); c.setSeq(0, 2 ** 40); c.seq(0); // 1099511627776 (the column went wide)
 * ```
 */
export class Chunk {
  /** The payload, or a {@link Carried} when the attempt is stored negated. */
  readonly data: Array<Payload | Carried | undefined> = new Array(CHUNK);
  readonly routes = new Int32Array(CHUNK);
  readonly jobs = new Int32Array(CHUNK);
  /** Attempt number; negative when the payload is a {@link Carried}. */
  private attempts = new Int8Array(CHUNK);
  /** Float64, not Int32: a restored attempt may be any integer >= 1 (2^31 wrapped to a negative, read as carried). */
  private wideAttempts: Float64Array | undefined = undefined;
  /** Enqueue time minus `base` (the chunk's first one), in whole scheduler ms. */
  private enqueued = new Int32Array(CHUNK);
  private base = NaN;
  private wideEnqueued: Float64Array | undefined = undefined;
  /** The task's sequence number in its job (`ctx.activationId`): never wraps (wide beyond 2^32 - 1). */
  private seqs = new Uint32Array(CHUNK);
  private wideSeqs: Float64Array | undefined = undefined;
  next: Chunk | undefined = undefined;

  attempt(i: number): number {
    return this.wideAttempts === undefined ? this.attempts[i] : this.wideAttempts[i];
  }
  // Each setter writes the narrow column in line and leaves widening to a method of its own:
  // they are inlined into the queue's push on every emit, and V8 inlines by bytecode size.
  setAttempt(i: number, value: number): void {
    if (this.wideAttempts === undefined && value >= -128 && value <= 127) this.attempts[i] = value;
    else this.setWideAttempt(i, value);
  }
  private setWideAttempt(i: number, value: number): void {
    (this.wideAttempts ??= Float64Array.from(this.attempts))[i] = value;
  }

  enqueuedAt(i: number): number {
    return this.wideEnqueued === undefined ? this.base + this.enqueued[i] : this.wideEnqueued[i];
  }
  setEnqueuedAt(i: number, value: number): void {
    if (this.wideEnqueued === undefined) {
      if (this.base !== this.base) this.base = value; // NaN: the chunk's first entry
      const delta = value - this.base;
      const back = this.base + delta; // what a read returns: it must be the value itself (fractions may round, -0 not survive)
      if ((delta | 0) === delta && back === value && (back !== 0 || 1 / back === 1 / value)) {
        this.enqueued[i] = delta;
        return;
      }
    }
    this.setWideEnqueuedAt(i, value);
  }
  private setWideEnqueuedAt(i: number, value: number): void {
    let wide = this.wideEnqueued;
    if (wide === undefined) {
      wide = this.wideEnqueued = new Float64Array(CHUNK);
      for (let k = 0; k < CHUNK; k++) wide[k] = this.base + this.enqueued[k];
    }
    wide[i] = value;
  }

  seq(i: number): number {
    return this.wideSeqs === undefined ? this.seqs[i] : this.wideSeqs[i];
  }
  setSeq(i: number, value: number): void {
    // `value >>> 0 === value`: an integer from 0 to 2^32 - 1 (what the narrow column holds exactly).
    if (this.wideSeqs === undefined && value >>> 0 === value) this.seqs[i] = value;
    else this.setWideSeq(i, value);
  }
  private setWideSeq(i: number, value: number): void {
    (this.wideSeqs ??= Float64Array.from(this.seqs))[i] = value;
  }

  /** Drained and about to be reused: back to the narrow columns. */
  reset(): void {
    this.next = undefined;
    this.base = NaN;
    this.wideAttempts = undefined;
    this.wideEnqueued = undefined;
    this.wideSeqs = undefined;
  }
}
