import type { JsonReader } from '../core/json-reader.js';
import type { PolicyCellState } from '../core/policy-cell-state.js';

const POLICY_KINDS = ['zip', 'latest', 'batch', 'window', 'custom'] as const;

/**
 * @internal Checks `JobState.policies` read from JSON: each policy's state has a known kind
 * and the shape of that kind; throws a SerializationError naming the path.
 *
 * @example
 * ```ts
 * readPolicies(new JsonReader('job JSON'), 'policies', { 'r.in': { kind: 'batch', items: [] } });
 * ```
 */
export function readPolicies(r: JsonReader, path: string, v: unknown): void {
  for (const [key, raw] of Object.entries(r.object(path, v))) {
    const p = `${path}['${key}']`;
    const o = r.object(p, raw);
    const kind = r.oneOf(`${p}.kind`, o.kind, POLICY_KINDS);
    if (kind === 'zip') {
      for (const [slot, list] of Object.entries(r.object(`${p}.waiting`, o.waiting))) {
        r.array(`${p}.waiting.${slot}`, list).forEach((x, i) => r.object(`${p}.waiting.${slot}[${i}]`, x));
      }
    } else if (kind === 'latest') {
      for (const [slot, x] of Object.entries(r.object(`${p}.latest`, o.latest))) r.object(`${p}.latest.${slot}`, x);
    } else if (kind === 'custom') {
      r.string(`${p}.policy`, o.policy);
      r.object(`${p}.state`, o.state);
    } else {
      r.array(`${p}.items`, o.items).forEach((x, i) => r.object(`${p}.items[${i}]`, x));
      r.optional(o.dueAt, (d) => r.number(`${p}.dueAt`, d));
      r.optional(o.delayLeft, (d) => {
        if (!(r.number(`${p}.delayLeft`, d) >= 0)) r.fail(`${p}.delayLeft`, 'a number of ms >= 0', d);
      });
    }
  }
}

/**
 * @internal Freezes the containers of each policy's state (never the payloads in them), then
 * the record.
 *
 * @example
 * ```ts
 * freezePolicies(state.policies);
 * ```
 */
export function freezePolicies(policies: Readonly<Record<string, PolicyCellState>>): void {
  if (Object.isFrozen(policies)) return;
  for (const key in policies) {
    const cell = policies[key] as Record<string, unknown>;
    for (const part of ['waiting', 'latest', 'items'] as const) {
      const value = cell[part];
      if (typeof value !== 'object' || value === null) continue;
      if (part === 'waiting') for (const slot in value) Object.freeze((value as Record<string, unknown>)[slot]);
      Object.freeze(value);
    }
    Object.freeze(cell);
  }
  Object.freeze(policies);
}

