import { ProxyTracerProvider, trace, type Tracer } from '@opentelemetry/api';

/** The instrumentation scope name of the spans. @example `spans.filter((s) => s.instrumentationScope.name === TRACER_NAME)` */
export const TRACER_NAME = 'routilux';

/**
 * @internal The tracer of the registered global tracer provider, or `undefined` when none is
 * registered. The API's proxy hands out no-op tracers until a provider is set; asking the
 * proxy for its delegate tells the two apart without creating a span, so an uninstrumented
 * process never even watches `flow.inspect$`.
 *
 * @example
 * ```ts
 * const tracer = registeredTracer(); // undefined before trace.setGlobalTracerProvider(provider)
 * ```
 */
export function registeredTracer(): Tracer | undefined {
  const provider = trace.getTracerProvider();
  if (provider instanceof ProxyTracerProvider) return provider.getDelegateTracer(TRACER_NAME);
  return provider.getTracer(TRACER_NAME);
}
