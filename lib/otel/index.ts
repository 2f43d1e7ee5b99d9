/**
 * `routilux/otel`: OpenTelemetry traces of a flow's jobs. Needs `@opentelemetry/api` (an
 * optional peer dependency: install it, and an SDK, to use this entry).
 *
 * @example
 * ```ts
 * import { instrumentFlow } from 'routilux/otel';
 * const tracing = instrumentFlow(flow); // spans go to the registered tracer provider
 * ```
 * @packageDocumentation
 */
export { instrumentFlow, type FlowInstrumentation, type InstrumentFlowOptions } from './instrument-flow.js';
export { RoutiluxAttributes } from './span-attributes.js';
export { TRACER_NAME } from './resolve-tracer.js';
