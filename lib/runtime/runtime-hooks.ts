import type { ErrorHandler } from '../errors/error-handler.js';
import type { Payload } from '../core/payload.js';
import type { EmissionKind } from '../core/records.js';
import type { InspectRecord } from '../core/inspect-records.js';
import type { ExecutionContext } from '../model/execution-context.js';
import type { FlowGraph } from '../model/flow-graph.js';
import type { JobRuntime } from './job-runtime.js';

/**
 * @internal What the engine needs from the flow that owns it, and nothing more. The runtime
 * never imports the façade: it reads the flow's settings and reports what happens to a job
 * through this interface, which `Flow` implements with a private object.
 *
 * @example
 * ```ts
 * const hooks: RuntimeHooks = { flowId: 'f', flow, graph, errorHandler: undefined, activationTimeout: undefined,
 *   publish() {}, checkpoint() {}, jobEnded() {}, jobResumed() {} };
 * ```
 */
export interface RuntimeHooks {
  readonly flowId: string;
  /** What `ctx.flow` returns (the sanctioned type-level back-reference). */
  readonly flow: ExecutionContext['flow'];
  /** The definition graph: routines by id, for deferred events and restores. */
  readonly graph: FlowGraph;
  /** The flow-wide error policy (a routine's own wins); read when an attempt fails. */
  readonly errorHandler: ErrorHandler | undefined;
  /** ms per async activation, if limited. */
  readonly activationTimeout: number | undefined;
  /** The flow's default execution timeout per job (a job's own, when different, is in its state). */
  readonly executionTimeout: number | undefined;
  /** An emission happened in `job` (for `flow.events$`). */
  publish(kind: EmissionKind, job: JobRuntime, routineId: string, eventName: string, data: Payload, timestamp: number): void;
  /** Whether anybody watches `flow.inspect$`: records are built only then. */
  readonly inspecting: boolean;
  /** A lifecycle record (for `flow.inspect$`). */
  inspect(record: InspectRecord): void;
  /** A dispatch turn changed `job` (statusChange = false), or it reached a resting status. */
  checkpoint(job: JobRuntime, statusChange: boolean): void;
  /** `job` reached completed, cancelled (forget it) or failed (it may be resumed). */
  jobEnded(job: JobRuntime): void;
  /** A failed `job` runs again. */
  jobResumed(job: JobRuntime): void;
}
