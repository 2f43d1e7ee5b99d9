import type { Context, Span, SpanContext } from '@opentelemetry/api';

/** @internal A failed attempt's span, kept open until the error policy's records about it have arrived. @example `job.failed.set('j/2', { span, routineId: 'b', slotName: 'in', attempt: 1, endTime: 5 })` */
export interface FailedAttempt {
  readonly span: Span;
  readonly routineId: string;
  readonly slotName: string;
  readonly attempt: number;
  readonly endTime: number;
}

/**
 * @internal What a trace keeps of one job while it runs: its span (and the context that makes
 * activation spans its children), the spans of attempts in flight, failed attempts waiting
 * for their policy records, and the span contexts of recent activations, which later
 * activations link to as their cause.
 *
 * @example
 * ```ts
 * const job = new JobTrace(span, trace.setSpan(context.active(), span), 10_000);
 * job.remember('j/1', span.spanContext());
 * ```
 */
export class JobTrace {
  /** Open attempt spans by activationId (one attempt of an activation runs at a time). */
  readonly running = new Map<string, Span>();
  readonly failed = new Map<string, FailedAttempt>();
  /** Span contexts by activationId, oldest first, at most `limit` of them. */
  private readonly contexts = new Map<string, SpanContext>();
  paused = false;

  constructor(
    readonly span: Span,
    readonly context: Context,
    private readonly limit: number,
  ) {}

  /** Keeps the span context of an activation for links (the newest attempt wins). */
  remember(activationId: string, spanContext: SpanContext): void {
    this.contexts.delete(activationId);
    this.contexts.set(activationId, spanContext);
    // A job of a million activations must not keep a million contexts: the cause of a queued
    // task is almost always recent, so the oldest go first.
    if (this.contexts.size > this.limit) this.contexts.delete(this.contexts.keys().next().value!);
  }

  contextOf(activationId: string): SpanContext | undefined {
    return this.contexts.get(activationId);
  }

  /** The failed attempt of `routineId.slotName` an error-policy record is about, if any. */
  failedAttempt(routineId: string, slotName: unknown): FailedAttempt | undefined {
    let found: FailedAttempt | undefined;
    for (const f of this.failed.values()) if (f.routineId === routineId && f.slotName === slotName) found = f;
    return found;
  }
}
