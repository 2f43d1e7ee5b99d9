import type { Payload } from '../core/payload.js';
import type { PolicyCellState } from '../core/policy-cell-state.js';
import { PolicyCell, type PolicyDef } from './policy-cell.js';

/**
 * @internal A join as its cells see it: the names of its slots, in order.
 *
 * @example
 * ```ts
 * const shape: JoinShape = routine.getJoin('pair')!; shape.slotNames; // ['left', 'right']
 * ```
 */
export interface JoinShape extends PolicyDef {
  readonly slotNames: readonly string[];
}

/**
 * A FIFO of payloads that drops from its front without shifting the array each time (a zip
 * join's side can hold many payloads while the other side catches up).
 */
class Fifo {
  private items: Payload[] = [];
  private head = 0;

  get size(): number {
    return this.items.length - this.head;
  }

  push(payload: Payload): void {
    this.items.push(payload);
  }

  shift(): Payload {
    const payload = this.items[this.head];
    this.items[this.head++] = undefined as never;
    if (this.head === this.items.length) {
      this.items = [];
      this.head = 0;
    } else if (this.head >= 1024 && this.head * 2 >= this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return payload;
  }

  toArray(): Payload[] {
    return this.items.slice(this.head);
  }

  reset(items: readonly Payload[]): void {
    this.items = items.slice();
    this.head = 0;
  }
}

/**
 * @internal A zip join in one job: fires once every slot has an unconsumed payload, with the
 * oldest of each (FIFO per slot), so pairs match in arrival order.
 *
 * @example
 * ```ts
 * const cell = new ZipCell(join); cell.take({ id: 1 }, 0); cell.take({ id: 2 }, 1); // { left: { id: 1 }, right: { id: 2 } }
 * ```
 */
export class ZipCell extends PolicyCell {
  private readonly queues: Fifo[];
  /** How many queues hold at least one payload. */
  private filled = 0;

  constructor(readonly join: JoinShape) {
    super(join);
    this.queues = join.slotNames.map(() => new Fifo());
  }

  take(payload: Payload, index: number): Payload | undefined {
    const queues = this.queues;
    const queue = queues[index];
    if (queue.size === 0) this.filled++;
    queue.push(payload);
    if (this.filled < queues.length) return undefined;
    const names = this.join.slotNames;
    const fire: Payload = {};
    for (let i = 0; i < queues.length; i++) {
      const q = queues[i];
      fire[names[i]] = q.shift();
      if (q.size === 0) this.filled--;
    }
    return Object.freeze(fire);
  }

  /** What waits, per slot (every slot listed). */
  waiting(): Record<string, Payload[]> {
    const out: Record<string, Payload[]> = {};
    this.join.slotNames.forEach((name, i) => (out[name] = this.queues[i].toArray()));
    return out;
  }

  restore(state: PolicyCellState): void {
    const waiting = (state as Extract<PolicyCellState, { kind: 'zip' }>).waiting;
    this.filled = 0;
    this.join.slotNames.forEach((name, i) => {
      const items = Object.prototype.hasOwnProperty.call(waiting, name) ? waiting[name] : [];
      this.queues[i].reset(items);
      if (items.length > 0) this.filled++;
    });
  }

  clear(): void {
    for (const q of this.queues) q.reset([]);
    this.filled = 0;
  }

  protected build(): PolicyCellState | undefined {
    if (this.filled === 0) return undefined;
    const waiting = this.waiting();
    for (const name in waiting) Object.freeze(waiting[name]);
    return Object.freeze({ kind: 'zip', waiting: Object.freeze(waiting) });
  }
}

/**
 * @internal A latest join in one job: keeps the last payload of each slot and fires on every
 * arrival once each slot has been heard from, with the latest of each.
 *
 * @example
 * ```ts
 * const cell = new LatestCell(join); cell.take({ t: 1 }, 0); cell.take({ t: 2 }, 1); cell.take({ t: 3 }, 1); // fires twice
 * ```
 */
export class LatestCell extends PolicyCell {
  private readonly latest: Array<Payload | undefined>;
  private filled = 0;

  constructor(readonly join: JoinShape) {
    super(join);
    this.latest = join.slotNames.map(() => undefined);
  }

  take(payload: Payload, index: number): Payload | undefined {
    const latest = this.latest;
    if (latest[index] === undefined) this.filled++;
    latest[index] = payload;
    if (this.filled < latest.length) return undefined;
    const names = this.join.slotNames;
    const fire: Payload = {};
    for (let i = 0; i < latest.length; i++) fire[names[i]] = latest[i];
    return Object.freeze(fire);
  }

  /** Whether some slot has been heard from but not every one: the join has never fired. */
  get incomplete(): boolean {
    return this.filled > 0 && this.filled < this.latest.length;
  }

  /** What was heard, per slot: the latest payload, or nothing (every slot listed). */
  waiting(): Record<string, Payload[]> {
    const out: Record<string, Payload[]> = {};
    this.join.slotNames.forEach((name, i) => (out[name] = this.latest[i] === undefined ? [] : [this.latest[i]!]));
    return out;
  }

  restore(state: PolicyCellState): void {
    const latest = (state as Extract<PolicyCellState, { kind: 'latest' }>).latest;
    this.filled = 0;
    this.join.slotNames.forEach((name, i) => {
      this.latest[i] = Object.prototype.hasOwnProperty.call(latest, name) ? latest[name] : undefined;
      if (this.latest[i] !== undefined) this.filled++;
    });
  }

  clear(): void {
    this.latest.fill(undefined);
    this.filled = 0;
  }

  protected build(): PolicyCellState | undefined {
    if (this.filled === 0) return undefined;
    const latest: Record<string, Payload> = {};
    this.join.slotNames.forEach((name, i) => {
      if (this.latest[i] !== undefined) latest[name] = this.latest[i]!;
    });
    return Object.freeze({ kind: 'latest', latest: Object.freeze(latest) });
  }
}
