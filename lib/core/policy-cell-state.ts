import type { Payload } from './payload.js';

/**
 * What a job holds for one activation policy (`JobState.policies`, keyed
 * `${routineId}.${joinOrSlotName}`), as plain data a restore rebuilds it from:
 * - `zip`: a zip join's unconsumed payloads, oldest first, per listed slot;
 * - `latest`: a latest join's last payload per listed slot (the slots heard from so far);
 * - `batch` / `window`: the items collected so far, in arrival order, and the timer of the
 *   open batch or window: `dueAt` (scheduler time) while the job runs, `delayLeft` (ms) while it
 *   is paused or failed (paused time does not count);
 * - `custom`: a registered policy's state, by the policy's name.
 * A policy holding nothing is left out.
 *
 * @example
 * ```ts
 * state.policies['pairs.pair']; // { kind: 'zip', waiting: { left: [{ id: 3 }], right: [] } }
 * state.policies['sink.in'];    // { kind: 'batch', items: [{ v: 1 }, { v: 2 }], dueAt: 1050 }
 * ```
 */
export type PolicyCellState =
  | { readonly kind: 'zip'; readonly waiting: Readonly<Record<string, readonly Payload[]>> }
  | { readonly kind: 'latest'; readonly latest: Readonly<Record<string, Payload>> }
  | { readonly kind: 'batch' | 'window'; readonly items: readonly Payload[]; readonly dueAt?: number; readonly delayLeft?: number }
  | { readonly kind: 'custom'; readonly policy: string; readonly state: Payload };

/**
 * The kinds of {@link PolicyCellState}: a join's mode, `batch`, `window`, or `custom`.
 *
 * @example
 * ```ts
 * const kind: PolicyKind = state.policies['pairs.pair'].kind; // 'zip'
 * ```
 */
export type PolicyKind = PolicyCellState['kind'];
