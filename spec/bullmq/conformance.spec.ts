/**
 * Issue 17, conformance: a chosen set of the flow, state, error-policy and pause / resume /
 * cancel scenarios of the in-process specs, each run twice through the same Job API calls:
 * in-process, and through BullMQRunner on two workers. The final states must match (statuses,
 * errors, shared data, routine states, slot data, history order, queues, outputs, pause
 * points; timestamps and durations aside).
 */
import { expect } from 'chai';
import { bufferCount } from 'rxjs';
import { ErrorHandler, Flow, Routine, type ExecutionContext, type FlowOptions, type Job, type JobState, type Payload } from '../../lib/index.js';
import type { BullMQRunner } from '../../lib/bullmq/index.js';
import { useRedis } from '../helpers/use-redis.js';
import { makeRoutine, Relay, Sink, Source, sleep } from '../helpers/routines.js';
import { until } from '../fixtures/helpers.js';
import { startCluster } from './helpers.js';

class FlakyError extends Error {
  override name = 'FlakyError';
}

interface Scenario {
  name: string;
  build(): Flow;
  /** Drives one job through the public Job API; `start` is flow.start with or without a runner. */
  run(start: (entry: string, params: Payload) => Job): Promise<JobState>;
}

/** Every build of a scenario gives the same flow id: the clients' and the workers' flows must agree. */
const newFlow = (flowId: string, options: FlowOptions = {}): Flow => new Flow({ flowId, ...options });

/** The parts of a state both runs must agree on. */
function comparable(state: JobState): unknown {
  return {
    status: state.status,
    error: state.error === undefined ? undefined : { name: state.error.name, routineId: state.error.routineId },
    sharedData: state.sharedData,
    routineStates: state.routineStates,
    slotData: state.slotData,
    history: state.executionHistory.map((r) => [r.routineId, r.eventName, r.eventName === 'error' ? (r.data as { errorName?: unknown }).errorName : r.data]),
    pending: state.pendingTasks.map((t) => [t.routineId, t.slotName, t.data, t.attempt]),
    failed: state.failedTask === undefined ? undefined : [state.failedTask.routineId, state.failedTask.slotName, state.failedTask.attempt],
    outputs: state.outputLog.map((o) => [o.routineId, o.outputType, o.data]),
    pausePoints: state.pausePoints.map((p) => [p.reason, p.checkpoint, p.pendingCount]),
    deferred: state.deferredEvents.map((d) => [d.routineId, d.eventName, d.data]),
  };
}

/** `policy` on `bad`, which throws FlakyError while its attempt is below `okAt` (never when 0). */
function policyFlow(policy: ErrorHandler | undefined, okAt: number): () => Flow {
  return () => {
    const flow = newFlow(`conf-policy-${policy?.strategy ?? 'none'}-${policy?.maxRetries ?? 0}-${okAt}`);
    const bad = makeRoutine({
      in: (d: Payload, ctx: ExecutionContext) => {
        if (okAt === 0 || ctx.attempt < okAt) throw new FlakyError(`flaky at attempt ${ctx.attempt}`);
        ctx.emit('out', { ok: true, ...d });
      },
    });
    if (policy) bad.setErrorHandler(policy);
    flow.addRoutine(new Source(), 'src');
    flow.addRoutine(bad, 'bad');
    flow.addRoutine(new Sink(), 'sibling');
    flow.addRoutine(new Sink(), 'after');
    flow.connect('src', 'out', 'bad', 'in');
    flow.connect('src', 'out', 'sibling', 'in');
    flow.connect('bad', 'out', 'after', 'in');
    return flow;
  };
}

const items = (n: number): Payload => ({ items: Array.from({ length: n }, (_, i) => ({ i })) });
const wait = (entry: string, params: Payload) => (start: (e: string, p: Payload) => Job) => start(entry, params).wait();

const SCENARIOS: Scenario[] = [
  {
    name: 'ordering: S→A, S→D, A→B→C, D→E runs breadth-first (S, A, D, B, E, C)',
    build: () => {
      const flow = newFlow('conf-ordering');
      flow.addRoutine(new Source(), 'S');
      for (const id of ['A', 'B', 'D']) flow.addRoutine(new Relay(), id);
      for (const id of ['C', 'E']) flow.addRoutine(new Sink(), id);
      for (const [a, b] of [['S', 'A'], ['S', 'D'], ['A', 'B'], ['B', 'C'], ['D', 'E']]) flow.connect(a, 'out', b, 'in');
      return flow;
    },
    run: wait('S', items(3)),
  },
  {
    name: 'fan-out with param mapping into an append fan-in; shared data and routine state',
    build: () => {
      const flow = newFlow('conf-fan');
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(new Relay(), 'left');
      flow.addRoutine(new Relay(), 'right');
      flow.addRoutine(
        makeRoutine({
          in: {
            mergeStrategy: 'append',
            handler: (d: Payload, ctx: ExecutionContext) => {
              ctx.setSharedData('seen', ((d.l as unknown[]) ?? []).length + ((d.r as unknown[]) ?? []).length);
              ctx.updateRoutineState({ last: d });
            },
          },
        }, []),
        'join',
      );
      flow.connect('src', 'out', 'left', 'in');
      flow.connect('src', 'out', 'right', 'in');
      flow.connect('left', 'out', 'join', 'in', { i: 'l' });
      flow.connect('right', 'out', 'join', 'in', { i: 'r' });
      return flow;
    },
    run: wait('src', items(4)),
  },
  { name: 'STOP: a downstream failure fails the job with its queue kept', build: policyFlow(undefined, 0), run: wait('src', items(3)) },
  { name: 'CONTINUE: failures recorded, the job completes', build: policyFlow(new ErrorHandler({ strategy: 'continue' }), 0), run: wait('src', items(3)) },
  { name: 'SKIP: failed activations dropped, the job completes', build: policyFlow(new ErrorHandler({ strategy: 'skip' }), 0), run: wait('src', items(3)) },
  {
    name: 'RETRY: the same activation again after a backoff, succeeding at attempt 3',
    build: policyFlow(new ErrorHandler({ strategy: 'retry', maxRetries: 3, retryDelay: 5, backoffMultiplier: 2 }), 3),
    run: wait('src', items(2)),
  },
  {
    name: 'RETRY exhausted: then as STOP',
    build: policyFlow(new ErrorHandler({ strategy: 'retry', maxRetries: 2, retryDelay: 2 }), 0),
    run: wait('src', items(1)),
  },
  {
    name: 'execution timeout: the job fails with a TimeoutError',
    build: () => {
      const flow = newFlow('conf-timeout', { executionTimeout: 150 });
      flow.addRoutine(new Source(), 'src');
      // The first activation outlasts the job's timeout whatever the machine's speed: it ends when aborted.
      flow.addRoutine(makeRoutine({ in: (_d: Payload, ctx: ExecutionContext) => new Promise<void>((resolve) => ctx.signal.addEventListener('abort', () => resolve())) }, []), 'slow');
      flow.connect('src', 'out', 'slow', 'in');
      return flow;
    },
    run: wait('src', items(6)),
  },
  {
    name: 'ctx.pause inside a handler: paused with its queue, then resumed to the end',
    build: () => {
      const flow = newFlow('conf-self-pause');
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(
        makeRoutine({
          in: (d: Payload, ctx: ExecutionContext) => {
            ctx.setSharedData('n', ctx.getSharedData<number>('n', 0) + 1);
            if (d.i === 1 && ctx.attempt === 1 && ctx.jobState.pausePoints.length === 0) void ctx.pause('needs review', { at: d.i });
          },
        }, []),
        'gate',
      );
      flow.connect('src', 'out', 'gate', 'in');
      return flow;
    },
    run: async (start) => {
      const job = start('src', items(4));
      const paused = await job.wait();
      expect(paused.status).to.equal('paused');
      expect(paused.pendingTasks.length).to.equal(2);
      job.resume();
      return job.wait();
    },
  },
  {
    name: 'pause from outside waits for in-flight work; resume runs the rest in order',
    build: () => {
      const flow = newFlow('conf-pause');
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ in: async (d: Payload, ctx: ExecutionContext) => {
        await sleep(20);
        ctx.setSharedData('order', [...ctx.getSharedData<number[]>('order', []), d.i as number]);
      } }, []), 'work');
      flow.connect('src', 'out', 'work', 'in');
      return flow;
    },
    run: async (start) => {
      const job = start('src', items(8));
      await until(() => job.state.status === 'running', 'running');
      await sleep(50);
      const paused = await job.pause('hold on');
      expect(paused.runningTasks).to.deep.equal([]);
      job.resume();
      const final = await job.wait();
      // Where the pause fell depends on timing; what it must not change is the result.
      return new (final.constructor as new (f: object) => JobState)({ ...final, pausePoints: [] });
    },
  },
  {
    name: 'operator routine bufferCount(3): the remainder is flushed before the job completes',
    build: () => {
      const flow = newFlow('conf-operator');
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(Routine.fromOperator(bufferCount(3)), 'batch');
      flow.addRoutine(makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => ctx.setSharedData('batches', [...ctx.getSharedData<unknown[]>('batches', []), d]) }, []), 'sink');
      flow.connect('src', 'out', 'batch', 'input');
      flow.connect('batch', 'output', 'sink', 'in');
      return flow;
    },
    run: wait('src', items(7)),
  },
  {
    name: 'outputs and a flush handler',
    build: () => {
      const flow = newFlow('conf-flush');
      flow.addRoutine(new Source(), 'src');
      const acc = makeRoutine({ in: (d: Payload, ctx: ExecutionContext) => ctx.setSharedData('sum', ctx.getSharedData<number>('sum', 0) + (d.i as number)) }, ['total']);
      acc.defineFlush((ctx) => {
        acc.sendOutput('total', { sum: ctx.getSharedData('sum', 0) });
      });
      flow.addRoutine(acc, 'acc');
      flow.connect('src', 'out', 'acc', 'in');
      return flow;
    },
    run: wait('src', items(5)),
  },
];

describe('conformance: scenarios give the same result in-process and through BullMQRunner on two workers', function () {
  this.timeout(30_000);
  const redis = useRedis();

  for (const scenario of SCENARIOS) {
    it(scenario.name, async () => {
      const local = await scenario.run((entry, params) => scenario.build().start(entry, params, { jobId: 'conf' }));
      const cluster = await startCluster(redis, scenario.build, 2);
      try {
        const runner: BullMQRunner = cluster.runner;
        const flow = scenario.build();
        const remote = await scenario.run((entry, params) => flow.start(entry, params, { jobId: 'conf', runner }));
        expect(comparable(remote)).to.deep.equal(comparable(local));
        expect(cluster.errors.map(String)).to.deep.equal([]);
      } finally {
        await cluster.close();
      }
    });
  }

  it('cancel mid-job: cancelled, its queue dropped', async () => {
    const build = (): Flow => {
      const flow = newFlow('conf-cancel');
      flow.addRoutine(new Source(), 'src');
      flow.addRoutine(makeRoutine({ in: () => sleep(20) }, []), 'work');
      flow.connect('src', 'out', 'work', 'in');
      return flow;
    };
    const cluster = await startCluster(redis, build, 2);
    try {
      for (const runner of [null, cluster.runner]) {
        const job = build().start('src', items(50), { runner });
        await until(() => job.state.status === 'running', 'running');
        await sleep(60);
        const state = await job.cancel('stop');
        expect(state.status).to.equal('cancelled');
        expect(state.pendingTasks).to.deep.equal([]);
      }
    } finally {
      await cluster.close();
    }
  });
});
