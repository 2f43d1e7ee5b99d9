import type { Span, Tracer } from '@opentelemetry/api';
import type { Subscription } from 'rxjs';
import { ConfigurationError, describeValue } from '../errors/errors.js';
import type { Flow } from '../flow/flow.js';
import { FlowTracer } from './flow-tracer.js';
import { registeredTracer } from './resolve-tracer.js';

/**
 * Options of {@link instrumentFlow}.
 *
 * @example
 * ```ts
 * instrumentFlow(flow, { tracer: provider.getTracer('orders'), maxLinkedActivations: 1000 } satisfies InstrumentFlowOptions);
 * ```
 */
export interface InstrumentFlowOptions {
  /** The tracer to use. Default: the registered global provider's `'routilux'` tracer, or none. */
  tracer?: Tracer;
  /**
   * How many recent activations per job a later activation can link to as its cause (default
   * 10,000): a link needs the emitter's span context, and a long job must not keep them all.
   */
  maxLinkedActivations?: number;
}

/**
 * What {@link instrumentFlow} returns: whether it records, the open spans (to parent spans a
 * handler makes), and `unsubscribe()` to stop (open spans end then).
 *
 * @example
 * ```ts
 * const tracing = instrumentFlow(flow);
 * if (!tracing.active) console.log('no tracer provider registered: nothing is recorded');
 * tracing.unsubscribe();
 * ```
 */
export interface FlowInstrumentation {
  /** False when there was no tracer (no provider registered, no `tracer` option) or after unsubscribe. */
  readonly active: boolean;
  /** The span of the running attempt of `ctx.activationId` (children: `trace.setSpan(context.active(), span)`). */
  activationSpan(jobId: string, activationId: string): Span | undefined;
  /** The span of a job that is still open. */
  jobSpan(jobId: string): Span | undefined;
  unsubscribe(): void;
}

/**
 * Traces a flow's jobs with OpenTelemetry (`@opentelemetry/api`, an optional peer dependency):
 * a span per job (`job <flowId>`, status from the job's outcome) and per attempt of an
 * activation (`<routineId>.<slot>`, a child of the job's span, with the flow id, job id,
 * routine id, slot, attempt, activationId, outcome and error as attributes — see
 * {@link RoutiluxAttributes}), linked to the activation that emitted its payload; the error
 * policy's retries, skips and stops are events on the failed attempt. Built on `flow.inspect$`.
 *
 * With no `tracer` and no tracer provider registered, nothing is recorded and the flow is not
 * even watched, so it costs nothing: register the provider (start the OpenTelemetry SDK)
 * before instrumenting. Span times are the flow scheduler's.
 *
 * @throws {ConfigurationError} when `flow` is not a Flow or an option is invalid.
 * @example
 * ```ts
 * import { instrumentFlow } from 'routilux/otel';
 * const tracing = instrumentFlow(flow);          // after the SDK registered its provider
 * await flow.execute('intake', { orderId: 7 });  // one trace: the job and its activations
 * tracing.unsubscribe();
 * ```
 */
export function instrumentFlow(flow: Flow, options: InstrumentFlowOptions = {}): FlowInstrumentation {
  if (typeof flow !== 'object' || flow === null || typeof (flow as Partial<Flow>).inspect$?.subscribe !== 'function') {
    throw new ConfigurationError(`instrumentFlow: expected a Flow, got ${describeValue(flow)}`);
  }
  const limit = options.maxLinkedActivations ?? 10_000;
  if (!Number.isInteger(limit) || limit < 0) throw new ConfigurationError(`instrumentFlow: maxLinkedActivations must be an integer >= 0, got ${describeValue(limit)}`);
  if (options.tracer !== undefined && typeof options.tracer?.startSpan !== 'function') {
    throw new ConfigurationError(`instrumentFlow: options.tracer must be an OpenTelemetry Tracer, got ${describeValue(options.tracer)}`);
  }
  const tracer = options.tracer ?? registeredTracer();
  if (tracer === undefined) return INERT;
  const spans = new FlowTracer(flow.flowId, tracer, limit);
  let sub: Subscription | undefined = flow.inspect$.subscribe((r) => spans.record(r));
  return {
    get active() {
      return sub !== undefined;
    },
    activationSpan: (jobId, activationId) => spans.activationSpan(jobId, activationId),
    jobSpan: (jobId) => spans.jobSpan(jobId),
    unsubscribe() {
      if (sub === undefined) return;
      sub.unsubscribe();
      sub = undefined;
      spans.close(flow.scheduler.now());
    },
  };
}

const INERT: FlowInstrumentation = Object.freeze({
  active: false,
  activationSpan: () => undefined,
  jobSpan: () => undefined,
  unsubscribe: () => undefined,
});
