import { ConfigurationError } from '../errors/errors.js';
import type { PolicyCellState } from '../core/policy-cell-state.js';
import type { PolicyCell, PolicyDef } from '../model/policy-cell.js';
import type { BatchCell } from '../model/batch-cell.js';
import { SlotPolicy } from '../model/slot-policy.js';
import type { Routine } from '../model/routine.js';

const EMPTY: Readonly<Record<string, PolicyCellState>> = Object.freeze({});

/**
 * @internal What one job holds for the activation policies of its flow (joins, batches,
 * windows, custom policies): one cell per policy, made at its first payload. Like slot data,
 * each change lists the cell as dirty, so the next snapshot rebuilds only that cell's view.
 *
 * @example
 * ```ts
 * const policies = (job.policies ??= new JobPolicies());
 * const cell = policies.cellOf(slot._policy!);
 * ```
 */
export class JobPolicies {
  readonly cells = new Map<PolicyDef, PolicyCell>();
  readonly dirty: PolicyCell[] = [];
  /** Batches and windows whose timer runs, or waits to run again (paused, failed, restored). */
  readonly timed = new Set<BatchCell>();
  /** Bumped by every change, so a snapshot with nothing new here skips the field. */
  version = 0;

  cellOf(def: PolicyDef): PolicyCell {
    let cell = this.cells.get(def);
    if (cell === undefined) this.cells.set(def, (cell = def.newCell()));
    return cell;
  }

  changed(cell: PolicyCell): void {
    cell.changed();
    this.version++;
    if (!cell.dirty) {
      cell.dirty = true;
      this.dirty.push(cell);
    }
  }

  /** Every cell's view, for a job's first snapshot (cells holding nothing are left out). */
  views(): Readonly<Record<string, PolicyCellState>> {
    const out: Record<string, PolicyCellState> = {};
    for (const cell of this.cells.values()) {
      cell.dirty = false;
      const view = cell.view();
      if (view !== undefined) out[cell.def.key] = view;
    }
    this.dirty.length = 0;
    return Object.freeze(out);
  }

  /** Writes the dirty cells' views into a snapshot's record (a draft of the previous one). */
  writeDirty(record: Record<string, PolicyCellState>): void {
    for (const cell of this.dirty) {
      cell.dirty = false;
      const view = cell.view();
      if (view !== undefined) record[cell.def.key] = view;
      else delete record[cell.def.key];
    }
    this.dirty.length = 0;
  }
}

/**
 * @internal A job's `policies` for a snapshot: its record when it has policies, else the empty one.
 *
 * @example
 * ```ts
 * out.policies = policiesView(job.policies);
 * ```
 */
export function policiesView(policies: JobPolicies | undefined): Readonly<Record<string, PolicyCellState>> {
  return policies === undefined ? EMPTY : policies.views();
}

/** Every policy of the flow's routines by its key in `JobState.policies`. */
function policiesByKey(routines: Iterable<Routine>): Map<string, PolicyDef> {
  const out = new Map<string, PolicyDef>();
  for (const routine of routines) {
    for (const slot of routine.slotList()) if (slot._policy instanceof SlotPolicy) out.set(slot._policy.key, slot._policy);
    for (const join of routine.joinList()) out.set(join.key, join);
  }
  return out;
}

/**
 * @internal Checks, before a restore creates anything, that every policy state of `policies`
 * belongs to a policy of the flow of that kind (the same registered policy, a join's own slots).
 *
 * @throws {ConfigurationError} naming the job, the path and what the flow has instead.
 * @example
 * ```ts
 * checkPolicyStates(state.jobId, 'orders', state.policies, graph.routines.values());
 * ```
 */
export function checkPolicyStates(jobId: string, flowId: string, policies: Readonly<Record<string, PolicyCellState>>, routines: Iterable<Routine>): void {
  const defs = policiesByKey(routines);
  for (const [key, state] of Object.entries(policies)) {
    const fail = (what: string): never => {
      throw new ConfigurationError(`cannot resume job '${jobId}': policies['${key}']: ${what}`);
    };
    const def = defs.get(key);
    if (def === undefined) fail(`flow '${flowId}' has no join or policy slot '${key}'`);
    if (def!.kind !== state.kind) fail(`'${key}' is a ${def!.kind} policy in flow '${flowId}', the state is of a ${state.kind} policy`);
    if (state.kind === 'custom' && state.policy !== (def as SlotPolicy).policyName) {
      fail(`the state is of activation policy '${state.policy}', the slot uses '${(def as SlotPolicy).policyName}'`);
    }
    if (state.kind === 'zip' || state.kind === 'latest') {
      const names = (def as PolicyDef & { slotNames: readonly string[] }).slotNames;
      const slots = Object.keys(state.kind === 'zip' ? state.waiting : state.latest);
      for (const slot of slots) if (!names.includes(slot)) fail(`join '${def!.name}' has no slot '${slot}' (slots: ${names.join(', ')})`);
    }
  }
}

/**
 * @internal Refills a restored job's policies from a snapshot (checked by
 * {@link checkPolicyStates} before); batches and windows with an open timer are listed as
 * timed, and their timers start when the job runs.
 *
 * @example
 * ```ts
 * restorePolicies(job, state.policies, graph.routines.values());
 * ```
 */
export function restorePolicies(job: { policies: JobPolicies | undefined }, states: Readonly<Record<string, PolicyCellState>>, routines: Iterable<Routine>): void {
  const keys = Object.keys(states);
  if (keys.length === 0) return;
  const defs = policiesByKey(routines);
  const policies = (job.policies ??= new JobPolicies());
  for (const key of keys) {
    const cell = policies.cellOf(defs.get(key)!);
    cell.restore(states[key]);
    policies.changed(cell);
    const state = states[key];
    if ((state.kind === 'batch' || state.kind === 'window') && (state.dueAt !== undefined || state.delayLeft !== undefined)) policies.timed.add(cell as BatchCell);
  }
}
