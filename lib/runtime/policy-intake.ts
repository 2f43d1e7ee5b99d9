import type { Payload } from '../core/payload.js';
import type { Slot } from '../model/slot.js';
import { BatchCell } from '../model/batch-cell.js';
import { LatestCell, ZipCell } from '../model/join-cells.js';
import type { SlotPolicy } from '../model/slot-policy.js';
import type { JobRuntime } from './job-runtime.js';
import { JobPolicies } from './policy-cells.js';
import { armTimer, queueFired, stopTimer } from './policy-timers.js';

/**
 * @internal The first step of an activation of a policy slot (a join's, or one with a batch,
 * window or custom policy): merges `incoming` into the slot's data for the job, as for any
 * slot, and hands the merged payload to the job's cell of the policy. Returns what the handler
 * runs with when the policy fires now, else `undefined` (the activation ends there).
 *
 * The merge is kept only once the policy took the payload: a custom policy that throws fails
 * the activation with the job unchanged, so its retry merges again from the same data.
 *
 * @example
 * ```ts
 * const merged = task.merged ?? (slot._policy === undefined ? job.merge(slot, task.data) : intake(job, slot, task.data));
 * ```
 */
export function intake(job: JobRuntime, slot: Slot, incoming: Payload): Payload | undefined {
  const policies = (job.policies ??= new JobPolicies());
  const cell = policies.cellOf(slot._policy!);
  const slotCell = job.cellOf(slot);
  const merged = slot._merge(slotCell.data, incoming, slotCell);
  const fire = cell.take(merged, slot._policyIndex);
  slotCell.data = merged;
  job.markCell(slotCell);
  policies.changed(cell);
  if (cell instanceof BatchCell) {
    const policy = cell.policy as SlotPolicy;
    if (fire !== undefined) stopTimer(job, cell); // the batch closed by size
    else if (!cell.open && policy.wait !== undefined && (policy.kind === 'window' || cell.items.length === 1)) armTimer(job, cell, policy.wait);
  }
  return fire;
}

/**
 * @internal The job ran out of work: every batch and window holding items fires now (the
 * remainder; an open window closes), in the graph's order. Those after a routine with idle
 * work of its own (an operator routine whose input is still open, a flush due) wait for it: its
 * tail may still feed them, so a batch behind an operator fires once, with the operator's tail.
 * Returns whether anything was queued.
 *
 * @example
 * ```ts
 * if (job.policies !== undefined && firePolicyRemainders(job)) return; // work goes on
 * ```
 */
export function firePolicyRemainders(job: JobRuntime): boolean {
  const policies = job.policies!;
  const graph = job.owner.graph;
  let limit = Number.POSITIVE_INFINITY;
  for (const d of job.work.drains) if (!d.inputCompleted) limit = Math.min(limit, graph.rank(d.routine));
  if (job.flushesDue > 0) for (let run = job.firstRun; run !== undefined; run = run.nextRun) if (run.flushDue) limit = Math.min(limit, graph.rank(run.routine));
  const due: BatchCell[] = [];
  for (const cell of policies.cells.values()) if (cell instanceof BatchCell && cell.items.length > 0 && graph.rank(cell.def.routine) <= limit) due.push(cell);
  if (due.length === 0) return false;
  // By the graph's order, not the cells' (which a restore can change), so a resumed job fires
  // its remainders in the order an uninterrupted one does.
  due.sort((a, b) => graph.rank(a.def.routine) - graph.rank(b.def.routine) || (a.def.key < b.def.key ? -1 : a.def.key > b.def.key ? 1 : 0));
  for (const cell of due) {
    stopTimer(job, cell);
    const fire = cell.flush()!;
    policies.changed(cell);
    queueFired(job, (cell.policy as SlotPolicy).slot as Slot, fire);
  }
  job.mark();
  return true;
}

/**
 * @internal The job completes: a join still waiting for a side is reported (a
 * `join-incomplete` record in the history and on `flow.inspect$`, carrying what was waiting)
 * and emptied, and the timers of windows left open are dropped.
 *
 * @example
 * ```ts
 * if (job.policies !== undefined) settlePolicies(job);
 * ```
 */
export function settlePolicies(job: JobRuntime): void {
  const policies = job.policies!;
  const now = job.clock.now();
  for (const cell of policies.cells.values()) {
    if (cell instanceof BatchCell) stopTimer(job, cell);
    else if ((cell instanceof ZipCell && cell.view() !== undefined) || (cell instanceof LatestCell && cell.incomplete)) {
      const join = cell.join;
      const waiting = cell.waiting();
      for (const name of Object.keys(waiting)) Object.freeze(waiting[name]); // (fresh lists: the record is frozen whole)
      const missing = join.slotNames.filter((name) => waiting[name].length === 0);
      job.record(join.routine.id, 'join-incomplete', Object.freeze({ join: join.name, mode: join.kind, waiting: Object.freeze(waiting), missing: Object.freeze(missing) }), now);
      cell.clear();
      policies.changed(cell);
    }
  }
  job.mark();
}

/**
 * @internal A cancelled job drops what its policies held, timers included.
 *
 * @example
 * ```ts
 * dropPolicies(job); // from cancelJob
 * ```
 */
export function dropPolicies(job: JobRuntime): void {
  const policies = job.policies;
  if (policies === undefined) return;
  for (const cell of policies.cells.values()) {
    cell.clear();
    policies.changed(cell);
  }
  policies.timed.clear();
}
