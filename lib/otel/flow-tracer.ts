import { isTerminal } from '../core/job-status.js';
import { SpanStatusCode, context, diag, trace, type Attributes, type Link, type Span, type Tracer } from '@opentelemetry/api';
import type { InspectRecord } from '../core/inspect-records.js';
import { RoutiluxAttributes as A } from './span-attributes.js';
import { JobTrace } from './job-trace.js';

type Of<T extends InspectRecord['type']> = Extract<InspectRecord, { type: T }>;
/** The history records (start, error, retry, skip, stop, join-incomplete): one member of the union. */
type PolicyRecord = Exclude<InspectRecord, { type: 'job' | 'activation-start' | 'activation-end' | 'checkpoint' }>;

/**
 * @internal Turns one flow's `inspect$` records into spans: one per job, one per attempt of an
 * activation (a child of its job's span, linked to the activation whose emit queued it), the
 * error policy's decisions as events of the failed attempt, the job's outcome as its status.
 * Times are the records' own (the flow's scheduler), so a trace shows the job's time.
 *
 * @example
 * ```ts
 * const tracer = new FlowTracer(flow.flowId, provider.getTracer('routilux'), 10_000);
 * flow.inspect$.subscribe((r) => tracer.record(r));
 * ```
 */
export class FlowTracer {
  private readonly jobs = new Map<string, JobTrace>();
  private flushQueued = false;

  constructor(
    private readonly flowId: string,
    private readonly tracer: Tracer,
    private readonly linkLimit: number,
  ) {}

  /**
   * Never throws: a tracer or span that throws is reported to OpenTelemetry's `diag` logger
   * (tracing must not fail a flow, and an error thrown in an `inspect$` subscriber would
   * surface as an uncaught exception, which ends a Node process).
   */
  record(r: InspectRecord): void {
    try {
      this.dispatch(r);
    } catch (error) {
      reportTracerError(error);
    }
  }

  private dispatch(r: InspectRecord): void {
    if (r.type === 'checkpoint') return this.checkpoint(r);
    const job = this.jobs.get(r.jobId) ?? this.open(r.jobId, r.timestamp);
    switch (r.type) {
      case 'job':
        return this.status(job, r);
      case 'activation-start':
        return this.startAttempt(job, r);
      case 'activation-end':
        return this.endAttempt(job, r);
      case 'start':
        job.span.setAttribute(A.ENTRY, r.routineId);
        return;
      case 'join-incomplete':
        // A join still waiting for a side when its job completed: the job saw it.
        job.span.addEvent('join-incomplete', { [A.ROUTINE_ID]: r.routineId, 'routilux.join': String(r.data.join ?? '') }, r.timestamp);
        return;
      default:
        return this.policy(job, r);
    }
  }

  /** The open span of an activation's current attempt (to parent spans a handler makes). */
  activationSpan(jobId: string, activationId: string): Span | undefined {
    return this.jobs.get(jobId)?.running.get(activationId);
  }

  jobSpan(jobId: string): Span | undefined {
    return this.jobs.get(jobId)?.span;
  }

  /** Ends every open span (the instrumentation stops): what was in flight is marked so. */
  close(now: number): void {
    for (const [jobId, job] of this.jobs) this.finish(jobId, job, now, 'instrumentation stopped');
  }

  private open(jobId: string, timestamp: number): JobTrace {
    // The context of whoever started or resumed the job (records are sent synchronously inside
    // flow.start / job.resume), so a job started while handling a request is part of its trace.
    const parent = context.active();
    const span = this.tracer.startSpan(`job ${this.flowId}`, { startTime: timestamp, attributes: { [A.FLOW_ID]: this.flowId, [A.JOB_ID]: jobId } }, parent);
    const job = new JobTrace(span, trace.setSpan(parent, span), this.linkLimit);
    this.jobs.set(jobId, job);
    return job;
  }

  private status(job: JobTrace, r: Of<'job'>): void {
    if (r.status === 'paused') {
      job.paused = true;
      job.span.addEvent('paused', {}, r.timestamp);
    } else if (r.status === 'running' && job.paused) {
      job.paused = false;
      job.span.addEvent('resumed', {}, r.timestamp);
    }
    if (!isTerminal(r.status)) return;
    job.span.setAttribute(A.JOB_STATUS, r.status);
    if (r.status === 'completed') job.span.setStatus({ code: SpanStatusCode.OK });
    else if (r.status === 'cancelled') job.span.setStatus({ code: SpanStatusCode.ERROR, message: 'job cancelled' });
    else {
      const e = r.error;
      job.span.setStatus({ code: SpanStatusCode.ERROR, message: e === undefined ? 'job failed' : `${e.name}: ${e.message}` });
      if (e !== undefined) {
        job.span.setAttributes({ [A.ERROR]: e.message, [A.ERROR_TYPE]: e.name, ...(e.routineId !== undefined ? { [A.ROUTINE_ID]: e.routineId } : {}) });
      }
    }
    this.finish(r.jobId, job, r.timestamp, r.status === 'cancelled' ? 'cancelled' : 'interrupted');
  }

  private startAttempt(job: JobTrace, r: Of<'activation-start'>): void {
    const failed = job.failed.get(r.activationId);
    if (failed !== undefined) {
      // A retry that starts before the microtask that ends the failed attempt (virtual time).
      job.failed.delete(r.activationId);
      endSpan(failed.span, failed.endTime);
    }
    const cause = r.cause === undefined ? undefined : job.contextOf(r.cause);
    const links: Link[] = cause === undefined ? [] : [{ context: cause, attributes: { [A.ACTIVATION_ID]: r.cause! } }];
    const attributes: Attributes = {
      [A.FLOW_ID]: this.flowId,
      [A.JOB_ID]: r.jobId,
      [A.ROUTINE_ID]: r.routineId,
      [A.SLOT]: r.slotName,
      [A.ATTEMPT]: r.attempt,
      [A.ACTIVATION_ID]: r.activationId,
    };
    const span = this.tracer.startSpan(`${r.routineId}.${r.slotName}`, { startTime: r.timestamp, attributes, links }, job.context);
    job.running.set(r.activationId, span);
    job.remember(r.activationId, span.spanContext());
  }

  private endAttempt(job: JobTrace, r: Of<'activation-end'>): void {
    const span = job.running.get(r.activationId);
    if (span === undefined) return; // started before the instrumentation did
    job.running.delete(r.activationId);
    span.setAttribute(A.OUTCOME, r.outcome);
    if (r.outcome === 'completed') return span.end(r.timestamp);
    span.setStatus({ code: SpanStatusCode.ERROR });
    // The policy's records (error, then retry / skip / stop, or nothing for continue) follow
    // synchronously: the span stays open for them until the next microtask.
    job.failed.set(r.activationId, { span, routineId: r.routineId, slotName: r.slotName, attempt: r.attempt, endTime: r.timestamp });
    if (!this.flushQueued) {
      this.flushQueued = true;
      queueMicrotask(() => this.endFailed());
    }
  }

  private policy(job: JobTrace, r: PolicyRecord): void {
    const slot = r.data.slot;
    const failed = job.failedAttempt(r.routineId, slot);
    const target = failed?.span ?? job.span;
    if (r.type === 'error') {
      const name = String(r.data.errorName ?? 'Error');
      const message = String(r.data.error ?? '');
      if (failed === undefined) {
        // A stream feeding a slot failed: there is no attempt, the job saw it.
        job.span.addEvent('error', { [A.ROUTINE_ID]: r.routineId, [A.SLOT]: String(slot), [A.ERROR_TYPE]: name, [A.ERROR]: message }, r.timestamp);
        return;
      }
      target.recordException({ name, message }, r.timestamp);
      target.setAttributes({ [A.ERROR]: message, [A.ERROR_TYPE]: name });
      target.setStatus({ code: SpanStatusCode.ERROR, message: `${name}: ${message}` });
      return;
    }
    const attributes: Attributes = { [A.ROUTINE_ID]: r.routineId, [A.SLOT]: String(slot) };
    if (typeof r.data.attempt === 'number') attributes[A.ATTEMPT] = r.data.attempt;
    if (typeof r.data.delay === 'number') attributes['routilux.retry.delay_ms'] = r.data.delay;
    target.addEvent(r.type, attributes, r.timestamp);
    if (failed !== undefined) failed.span.setAttribute(A.POLICY, r.type);
  }

  private checkpoint(r: Of<'checkpoint'>): void {
    // Only failures: with checkpoint 'always' a landed write per dispatch turn would drown the trace.
    if (!r.ok) this.jobs.get(r.jobId)?.span.addEvent('checkpoint failed', {}, r.timestamp);
  }

  private endFailed(): void {
    this.flushQueued = false;
    for (const job of this.jobs.values()) {
      for (const f of job.failed.values()) endSpan(f.span, f.endTime);
      job.failed.clear();
    }
  }

  /** Ends a job's span and whatever of it is still open (attempts let go by a failure or cancel). */
  private finish(jobId: string, job: JobTrace, now: number, outcome: string): void {
    // Forgotten first, and each span ended on its own: one that throws must not keep the
    // others open, or the job in the map.
    this.jobs.delete(jobId);
    for (const f of job.failed.values()) endSpan(f.span, f.endTime);
    job.failed.clear();
    for (const span of job.running.values()) endSpan(span, now, outcome);
    job.running.clear();
    endSpan(job.span, now);
  }
}

/** Ends `span` (with its outcome attribute first, when given); what it throws is reported, not thrown. */
function endSpan(span: Span, time: number, outcome?: string): void {
  try {
    if (outcome !== undefined) span.setAttribute(A.OUTCOME, outcome);
    span.end(time);
  } catch (error) {
    reportTracerError(error);
  }
}

function reportTracerError(error: unknown): void {
  try {
    diag.error('routilux/otel: the tracer threw; the flow runs on, this trace may be incomplete', error);
  } catch {
    // A diag logger that throws too: nothing left to tell.
  }
}
