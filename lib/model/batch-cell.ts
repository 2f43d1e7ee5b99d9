import type { Subscription } from 'rxjs';
import type { Payload } from '../core/payload.js';
import type { PolicyCellState } from '../core/policy-cell-state.js';
import { PolicyCell, type PolicyDef } from './policy-cell.js';

/**
 * @internal A batch or window policy as its cell sees it.
 *
 * @example
 * ```ts
 * const shape = slot._policy as BatchShape; shape.size; // 100
 * ```
 */
export interface BatchShape extends PolicyDef {
  readonly kind: 'batch' | 'window';
  /** Batch size (batch only). */
  readonly size: number | undefined;
}

/**
 * @internal A batch or window in one job: the items collected so far, in arrival order, and
 * the timer of the open batch (`maxWait`) or window. The timer itself is the runtime's (it
 * runs on the flow's scheduler, stops while the job is paused and is saved with the job):
 * here are only its due time while it runs, or what it has left while it is stopped.
 *
 * @example
 * ```ts
 * const cell = new BatchCell(policy); // size 2
 * cell.take({ v: 1 }, 0); // undefined
 * cell.take({ v: 2 }, 0); // { items: [{ v: 1 }, { v: 2 }] }
 * ```
 */
export class BatchCell extends PolicyCell {
  items: Payload[] = [];
  /** Scheduler time the running timer fires at. */
  dueAt: number | undefined = undefined;
  /** ms the stopped timer still has to wait (paused, failed, or restored and not yet running). */
  delayLeft: number | undefined = undefined;
  timer: Subscription | undefined = undefined;

  constructor(readonly policy: BatchShape) {
    super(policy);
  }

  take(payload: Payload, _index: number): Payload | undefined {
    this.items.push(payload);
    const size = this.policy.size;
    return size !== undefined && this.items.length >= size ? this.flush() : undefined;
  }

  /** Hands out every item as `{ items }` (or `undefined` when there is none) and starts over. */
  flush(): Payload | undefined {
    if (this.items.length === 0) return undefined;
    const items = Object.freeze(this.items);
    this.items = [];
    this.changed();
    return Object.freeze({ items });
  }

  /** Whether a timer runs or waits to run again (a batch or window is open). */
  get open(): boolean {
    return this.dueAt !== undefined || this.delayLeft !== undefined;
  }

  restore(state: PolicyCellState): void {
    const s = state as Extract<PolicyCellState, { kind: 'batch' | 'window' }>;
    this.items = s.items.slice();
    this.dueAt = s.dueAt;
    this.delayLeft = s.delayLeft;
  }

  clear(): void {
    this.timer?.unsubscribe();
    this.timer = undefined;
    this.items = [];
    this.dueAt = undefined;
    this.delayLeft = undefined;
  }

  protected build(): PolicyCellState | undefined {
    if (this.items.length === 0 && !this.open) return undefined;
    const view: { kind: 'batch' | 'window'; items: readonly Payload[]; dueAt?: number; delayLeft?: number } = {
      kind: this.policy.kind,
      items: Object.freeze(this.items.slice()),
    };
    if (this.dueAt !== undefined) view.dueAt = this.dueAt;
    if (this.delayLeft !== undefined) view.delayLeft = this.delayLeft;
    return Object.freeze(view);
  }
}
