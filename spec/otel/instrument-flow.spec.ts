import { expect } from 'chai';
import { ROOT_CONTEXT, SpanStatusCode, context, trace, type Context, type ContextManager } from '@opentelemetry/api';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { ConfigurationError, ErrorHandler, Flow, Routine, type Payload } from '../../lib/index.js';
import { instrumentFlow, RoutiluxAttributes as A } from '../../lib/otel/index.js';
import { until } from '../helpers/routines.js';

// Issue 20: traces of a flow's jobs, checked with the SDK's in-memory exporter.

class Split extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (data) => this.emit('out', data));
  }
}
class Step extends Routine {
  constructor(name: string, failFirst = false) {
    super();
    this.defineEvent('out');
    this.defineSlot('in', (_d, ctx) => {
      if (failFirst && ctx.attempt === 1) throw new Error(`${name} is flaky`);
      this.emit('out', { from: name });
    });
  }
}
class Join extends Routine {
  constructor() {
    super();
    this.defineSlot('in', () => undefined, { mergeStrategy: 'append' });
  }
}

/** split fans out to a and b; b fails once and is retried; both fan in to join. */
function fanOutFanIn(): Flow {
  const flow = new Flow({ flowId: 'orders' });
  flow.addRoutine(new Split(), 'split');
  flow.addRoutine(new Step('a'), 'a');
  const b = new Step('b', true);
  b.setErrorHandler(new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 1 }));
  flow.addRoutine(b, 'b');
  flow.addRoutine(new Join(), 'join');
  flow.connect('split', 'out', 'a', 'in');
  flow.connect('split', 'out', 'b', 'in');
  flow.connect('a', 'out', 'join', 'in');
  flow.connect('b', 'out', 'join', 'in');
  return flow;
}

/** A synchronous stack of contexts: enough for `context.with` to make a job's parent. */
class StackContextManager implements ContextManager {
  private stack: Context[] = [];
  active(): Context {
    return this.stack[this.stack.length - 1] ?? ROOT_CONTEXT;
  }
  with<A extends unknown[], F extends (...args: A) => ReturnType<F>>(ctx: Context, fn: F, thisArg?: ThisParameterType<F>, ...args: A): ReturnType<F> {
    this.stack.push(ctx);
    try {
      return fn.call(thisArg, ...args);
    } finally {
      this.stack.pop();
    }
  }
  bind<T>(_ctx: Context, target: T): T {
    return target;
  }
  enable(): this {
    return this;
  }
  disable(): this {
    this.stack = [];
    return this;
  }
}

const inspecting = (flow: Flow): boolean => (flow as unknown as { engine: { inspecting: boolean } }).engine.inspecting;
const attr = (s: ReadableSpan, key: string): unknown => s.attributes[key];
const activation = (s: ReadableSpan): string => `${attr(s, A.ROUTINE_ID)}.${attr(s, A.SLOT)}#${attr(s, A.ATTEMPT)}`;

describe('routilux/otel instrumentFlow', () => {
  let exporter: InMemorySpanExporter;
  let provider: BasicTracerProvider;

  beforeEach(() => {
    exporter = new InMemorySpanExporter();
    provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    trace.setGlobalTracerProvider(provider);
  });
  afterEach(async () => {
    trace.disable();
    context.disable();
    await provider.shutdown();
  });

  it('the span tree of a fan-out/fan-in job with a retry: parents, links, events, statuses', async () => {
    const flow = fanOutFanIn();
    const tracing = instrumentFlow(flow);
    expect(tracing.active).to.equal(true);
    const state = await flow.execute('split', { order: 7 }, { jobId: 'job-1' });
    await Promise.resolve(); // failed attempts end in a microtask, after their policy records
    tracing.unsubscribe();
    expect(state.status).to.equal('completed');

    const spans = exporter.getFinishedSpans();
    const [job] = spans.filter((s) => s.name === 'job orders');
    const attempts = spans.filter((s) => s !== job);
    expect(attempts.map(activation).sort()).to.deep.equal(['a.in#1', 'b.in#1', 'b.in#2', 'join.in#1', 'join.in#1', 'split.trigger#1']);
    expect(spans.length).to.equal(7);

    // One trace; every attempt a child of the job.
    expect(new Set(spans.map((s) => s.spanContext().traceId)).size).to.equal(1);
    expect(job.parentSpanContext).to.equal(undefined);
    for (const s of attempts) expect(s.parentSpanContext?.spanId, activation(s)).to.equal(job.spanContext().spanId);
    expect(job.attributes).to.deep.include({ [A.FLOW_ID]: 'orders', [A.JOB_ID]: 'job-1', [A.JOB_STATUS]: 'completed', [A.ENTRY]: 'split' });
    expect(job.status.code).to.equal(SpanStatusCode.OK);

    // Each attempt carries its coordinates; b's two attempts share their activationId.
    const by = (name: string) => attempts.filter((s) => activation(s) === name);
    const [split] = by('split.trigger#1');
    const [a] = by('a.in#1');
    const [b1] = by('b.in#1');
    const [b2] = by('b.in#2');
    expect(split.attributes).to.deep.include({ [A.FLOW_ID]: 'orders', [A.JOB_ID]: 'job-1', [A.ACTIVATION_ID]: 'job-1/1', [A.OUTCOME]: 'completed' });
    expect(attr(b1, A.ACTIVATION_ID)).to.equal(attr(b2, A.ACTIVATION_ID));

    // The failed attempt: error status and attributes, the exception, then the retry decision.
    expect(b1.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'Error: b is flaky' });
    expect(b1.attributes).to.deep.include({ [A.OUTCOME]: 'failed', [A.ERROR]: 'b is flaky', [A.ERROR_TYPE]: 'Error', [A.POLICY]: 'retry' });
    expect(b1.events.map((e) => e.name)).to.deep.equal(['exception', 'retry']);
    expect(b1.events[1].attributes).to.deep.include({ [A.ATTEMPT]: 2, 'routilux.retry.delay_ms': 1 });
    expect(b2.status.code).to.equal(SpanStatusCode.UNSET);
    expect(attr(b2, A.OUTCOME)).to.equal('completed');

    // Links: each activation to the one that emitted its payload.
    const linkedTo = (s: ReadableSpan) => s.links.map((l) => l.context.spanId);
    expect(linkedTo(split)).to.deep.equal([]);
    expect(linkedTo(a)).to.deep.equal([split.spanContext().spanId]);
    expect(linkedTo(b1)).to.deep.equal([split.spanContext().spanId]);
    expect(linkedTo(b2)).to.deep.equal([split.spanContext().spanId]);
    const joins = by('join.in#1').map(linkedTo).map(([id]) => id);
    expect(joins.sort()).to.deep.equal([a.spanContext().spanId, b2.spanContext().spanId].sort());
    // Span times are the job's: each attempt within its job.
    const t = (hr: [number, number]) => hr[0] * 1e3 + hr[1] / 1e6;
    for (const s of attempts) expect(t(s.startTime)).to.be.at.least(t(job.startTime)).and.at.most(t(job.endTime));
  });

  it('a job that fails: the job span says why; the failed attempt carries the stop', async () => {
    const flow = new Flow({ flowId: 'f' });
    flow.addRoutine(new Split(), 'split');
    flow.addRoutine(new Step('boom', true), 'boom');
    flow.connect('split', 'out', 'boom', 'in');
    const tracing = instrumentFlow(flow);
    expect((await flow.execute('split', {}, { jobId: 'bad' })).status).to.equal('failed');
    tracing.unsubscribe();
    const spans = exporter.getFinishedSpans();
    const job = spans.find((s) => s.name === 'job f')!;
    expect(job.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'Error: boom is flaky' });
    expect(job.attributes).to.deep.include({ [A.JOB_STATUS]: 'failed', [A.ERROR]: 'boom is flaky', [A.ROUTINE_ID]: 'boom' });
    const boom = spans.find((s) => s.name === 'boom.in')!;
    expect(boom.events.map((e) => e.name)).to.deep.equal(['exception', 'stop']);
    expect(attr(boom, A.POLICY)).to.equal('stop');
  });

  it('a skip is an event of the failed attempt, and the job still completes', async () => {
    const flow = new Flow({ flowId: 's' });
    flow.addRoutine(new Split(), 'split');
    const step = new Step('x', true);
    step.setErrorHandler(new ErrorHandler({ strategy: 'skip' }));
    flow.addRoutine(step, 'x');
    flow.connect('split', 'out', 'x', 'in');
    const tracing = instrumentFlow(flow);
    expect((await flow.execute('split', {})).status).to.equal('completed');
    await Promise.resolve();
    tracing.unsubscribe();
    const x = exporter.getFinishedSpans().find((s) => s.name === 'x.in')!;
    expect(x.events.map((e) => e.name)).to.deep.equal(['exception', 'skip']);
    expect(exporter.getFinishedSpans().find((s) => s.name === 'job s')!.status.code).to.equal(SpanStatusCode.OK);
  });

  it('a cancelled job ends its running attempts as cancelled; pause and resume are job events', async () => {
    const flow = new Flow({ flowId: 'c' });
    let release: () => void = () => undefined;
    let started = 0;
    const slow = new Routine();
    slow.defineSlot('trigger', () => new Promise<void>((r) => (started++, (release = r))));
    flow.addRoutine(slow, 'slow');
    const tracing = instrumentFlow(flow);
    const job = flow.start('slow', {});
    // The activation in flight at the pause (not a fixed 5 ms: on a loaded machine the pause came
    // first, parked the entry task, and the resumed activation then waited for a release never sent).
    await until(() => started === 1, 10_000, 'the first activation to start');
    const pausing = job.pause('look');
    release();
    await pausing;
    job.resume();
    await job.wait();
    const again = flow.start('slow', {}, { jobId: 'cancel-me' });
    await until(() => started === 2 && tracing.activationSpan('cancel-me', 'cancel-me/1') !== undefined, 10_000, 'the activation of cancel-me to start');
    expect(tracing.activationSpan('cancel-me', 'cancel-me/1')?.isRecording()).to.equal(true);
    await again.cancel('enough');
    tracing.unsubscribe();
    const spans = exporter.getFinishedSpans();
    const [first, second] = spans.filter((s) => s.name === 'job c');
    expect(first.events.map((e) => e.name)).to.deep.equal(['paused', 'resumed']);
    expect(second.status).to.deep.equal({ code: SpanStatusCode.ERROR, message: 'job cancelled' });
    const cancelled = spans.find((s) => s.parentSpanContext?.spanId === second.spanContext().spanId)!;
    expect(attr(cancelled, A.OUTCOME)).to.equal('cancelled');
    release();
  });

  it('a job started inside a span (a request, say) is that span\'s child', async () => {
    context.setGlobalContextManager(new StackContextManager());
    const flow = fanOutFanIn();
    const tracing = instrumentFlow(flow);
    const request = trace.getTracer('app').startSpan('POST /orders');
    const job = context.with(trace.setSpan(context.active(), request), () => flow.start('split', {}));
    await job.wait();
    request.end();
    tracing.unsubscribe();
    const jobSpan = exporter.getFinishedSpans().find((s) => s.name === 'job orders')!;
    expect(jobSpan.parentSpanContext?.spanId).to.equal(request.spanContext().spanId);
  });

  it('unsubscribe ends what is open and stops recording', async () => {
    const flow = new Flow({ flowId: 'u' });
    const slow = new Routine();
    let started = 0;
    slow.defineSlot('trigger', () => new Promise<void>((r) => (started++, setTimeout(r, 20))));
    flow.addRoutine(slow, 'slow');
    const tracing = instrumentFlow(flow);
    const job = flow.start('slow', {});
    // Unsubscribed while the activation is open: wait for it to start (not a fixed 5 ms, which a
    // loaded machine outlasts); the polling timer is due before the activation's 20 ms one.
    await until(() => started === 1 && tracing.activationSpan(job.jobId, `${job.jobId}/1`) !== undefined, 10_000, 'the activation to start');
    tracing.unsubscribe();
    expect(tracing.active).to.equal(false);
    expect(inspecting(flow)).to.equal(false);
    expect(exporter.getFinishedSpans().map((s) => s.name).sort()).to.deep.equal(['job u', 'slow.trigger']);
    await job.wait();
    await flow.execute('slow', {});
    expect(exporter.getFinishedSpans().length).to.equal(2);
  });

  it('an explicit tracer works without a registered provider', async () => {
    trace.disable();
    const flow = fanOutFanIn();
    const tracing = instrumentFlow(flow, { tracer: provider.getTracer('mine') });
    await flow.execute('split', {});
    await Promise.resolve();
    tracing.unsubscribe();
    expect(exporter.getFinishedSpans().length).to.equal(7);
  });

  it('rejects what is not a flow, a bad limit or a bad tracer with a ConfigurationError', () => {
    expect(() => instrumentFlow({} as Flow)).to.throw(ConfigurationError, /expected a Flow/);
    expect(() => instrumentFlow(new Flow(), { maxLinkedActivations: -1 })).to.throw(ConfigurationError, /maxLinkedActivations/);
    expect(() => instrumentFlow(new Flow(), { tracer: {} as never })).to.throw(ConfigurationError, /options.tracer/);
  });

  it('keeps at most maxLinkedActivations span contexts per job (older causes are not linked)', async () => {
    const flow = new Flow({ flowId: 'l' });
    const src = new Routine();
    src.defineEvent('out');
    src.defineSlot('trigger', (d: Payload, ctx) => ctx.emit('out', d));
    const relay = new Routine();
    relay.defineEvent('out');
    relay.defineSlot('in', (d: Payload, ctx) => ctx.emit('out', d));
    flow.addRoutine(src, 'src');
    flow.addRoutine(relay, 'relay');
    flow.connect('src', 'out', 'relay', 'in');
    const tracing = instrumentFlow(flow, { maxLinkedActivations: 0 });
    await flow.execute('src', {});
    tracing.unsubscribe();
    expect(exporter.getFinishedSpans().every((s) => s.links.length === 0)).to.equal(true);
  });
});

describe('routilux/otel with no tracer provider', () => {
  it('records nothing and does not even watch the flow', async () => {
    trace.disable();
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] }); // never registered
    const flow = fanOutFanIn();
    const tracing = instrumentFlow(flow);
    expect(tracing.active).to.equal(false);
    expect(inspecting(flow)).to.equal(false);
    expect((await flow.execute('split', {})).status).to.equal('completed');
    expect(exporter.getFinishedSpans()).to.deep.equal([]);
    tracing.unsubscribe();
    await provider.shutdown();
  });
});
