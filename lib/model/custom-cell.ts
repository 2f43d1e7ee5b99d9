import { ConfigurationError, describeValue } from '../errors/errors.js';
import { EMPTY_PAYLOAD, type Payload } from '../core/payload.js';
import type { PolicyCellState } from '../core/policy-cell-state.js';
import type { ActivationPolicyFunction } from './activation-policy.js';
import { PolicyCell, type PolicyDef } from './policy-cell.js';

/**
 * @internal A custom policy as its cell sees it: the registered name and its function.
 *
 * @example
 * ```ts
 * const shape = slot._policy as CustomShape; shape.policyName; // 'everyThird'
 * ```
 */
export interface CustomShape extends PolicyDef {
  readonly kind: 'custom';
  readonly policyName: string;
  readonly fn: ActivationPolicyFunction;
  /** `routine 'r' slot 'in'`, for messages. */
  readonly where: string;
}

const isRecord = (v: unknown): v is Payload => typeof v === 'object' && v !== null && !Array.isArray(v);

/**
 * @internal A custom activation policy in one job: its state (`{}` at first) goes through the
 * registered function with each payload; the function's `fire` is what the handler gets.
 * The state it keeps is a frozen copy of what the function returned, as every slot payload is.
 *
 * @example
 * ```ts
 * const cell = new CustomCell(policy); cell.take({ value: 4 }, 0); // the policy's fire, or undefined
 * ```
 */
export class CustomCell extends PolicyCell {
  state: Payload = EMPTY_PAYLOAD;

  constructor(readonly policy: CustomShape) {
    super(policy);
  }

  /**
   * @throws {ConfigurationError} when the function returns something other than `{ state, fire? }`
   * with plain-object `state` and `fire` (what it throws itself goes through unchanged).
   */
  take(payload: Payload, _index: number): Payload | undefined {
    const { fn, policyName, where } = this.policy;
    const decision = fn(this.state, payload) as unknown;
    const wrong = !isRecord(decision)
      ? describeValue(decision)
      : !isRecord(decision.state)
        ? `state ${describeValue(decision.state)}`
        : decision.fire !== undefined && !isRecord(decision.fire)
          ? `fire ${describeValue(decision.fire)}`
          : undefined;
    if (wrong !== undefined) {
      throw new ConfigurationError(`${where}: activation policy '${policyName}' must return { state: object, fire?: object }, got ${wrong}`);
    }
    // A copy, frozen: the snapshots taken so far hold the state they saw, so a policy that
    // changes the object it returned (or its argument, which is this) must not rewrite them.
    this.state = Object.freeze({ ...((decision as Payload).state as Payload) });
    return (decision as Payload).fire as Payload | undefined;
  }

  restore(state: PolicyCellState): void {
    this.state = Object.freeze({ ...(state as Extract<PolicyCellState, { kind: 'custom' }>).state });
  }

  clear(): void {
    this.state = EMPTY_PAYLOAD;
  }

  protected build(): PolicyCellState | undefined {
    // An empty state is the initial one: nothing to keep.
    for (const _ in this.state) return Object.freeze({ kind: 'custom', policy: this.policy.policyName, state: this.state });
    return undefined;
  }
}
