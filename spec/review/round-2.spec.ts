import { expect } from 'chai';
import { request } from 'node:http';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BasicTracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace-base';
import type { Tracer } from '@opentelemetry/api';
import { Flow, JobState, Routine, registerActivationPolicy, type Payload } from '../../lib/index.js';
import { TimeProvider } from '../../lib/builtins/index.js';
import { instrumentFlow } from '../../lib/otel/index.js';
import { serveInspector } from '../../lib/inspector/index.js';
import { runCli } from '../../lib/cli/run-cli.js';
import { handScheduler, runTo, settle } from '../helpers/virtual-clock.js';

// Review round 2 of issue 19 (activation policies) and issue 20 (inspector, traces, CLI): each
// spec here failed on main (or is skipped with the reason, when the fix is larger).

/** An open job of a one-routine flow in virtual time; `define` sets up routine 'r'. */
function oneRoutine(define: (r: Routine, calls: Payload[]) => void) {
  const ts = handScheduler();
  const flow = new Flow({ flowId: 'review2', scheduler: ts });
  const calls: Payload[] = [];
  const r = new Routine();
  define(r, calls);
  flow.addRoutine(r, 'r');
  return { ts, flow, job: flow.open(), calls };
}

describe('review round 2: activation policies', () => {
  it('a custom policy that changes its state object in place does not rewrite the snapshots taken before', async () => {
    // Impure, but easy to write by mistake: count in the object it was given, or in the one it
    // returned last time. On main the cell kept that very object, so job.state taken earlier
    // (immutable by contract) showed the later count.
    let kept: { n: number } | undefined;
    registerActivationPolicy('review2.inPlace', (state) => {
      if (kept === undefined) kept = { n: 0 };
      kept.n++;
      return { state: kept };
    });
    const seen: Payload[] = [];
    registerActivationPolicy('review2.argument', (state) => {
      seen.push(state);
      return { state: { n: ((state.n as number) ?? 0) + 1 } };
    });
    const a = oneRoutine((r) => {
      r.defineSlot('a', () => {}, { activation: 'review2.inPlace' });
      r.defineSlot('b', () => {}, { activation: 'review2.argument' });
    });
    a.job.send('r', 'a', { v: 1 });
    a.job.send('r', 'b', { v: 1 });
    runTo(a.ts, 1);
    const first = a.job.state;
    expect(first.policies['r.a']).to.deep.include({ state: { n: 1 } });
    a.job.send('r', 'a', { v: 2 });
    a.job.send('r', 'b', { v: 2 });
    runTo(a.ts, 2);
    expect(first.policies['r.a'], 'the earlier snapshot').to.deep.include({ state: { n: 1 } });
    expect(a.job.state.policies['r.a']).to.deep.include({ state: { n: 2 } });
    // What the function is handed is frozen, the first time ({}) and every time after.
    expect(seen.map((s) => Object.isFrozen(s))).to.deep.equal([true, true]);
    // And after a restore from JSON.
    const restored = JobState.fromJSON(JSON.parse(JSON.stringify(a.job.state.toJSON())));
    const b = oneRoutine((r) => {
      r.defineSlot('a', () => {}, { activation: 'review2.inPlace' });
      r.defineSlot('b', () => {}, { activation: 'review2.argument' });
    });
    const job = b.flow.restore(restored);
    job.resume();
    job.send('r', 'b', { v: 3 });
    runTo(b.ts, 3);
    expect(seen).to.have.length(3);
    expect(Object.isFrozen(seen[2]), 'restored state handed to the policy').to.equal(true);
    expect(seen[2]).to.deep.equal({ n: 2 });
    a.job.close();
    job.close();
    await settle(a.ts, a.job.wait());
    await settle(b.ts, job.wait());
  });
});

describe('review round 2: traces', () => {
  it('a tracer that throws never reaches the flow or the process (no uncaught exception); the job runs as without it', async () => {
    // On main the error escaped the inspect$ subscriber: RxJS reports it as an uncaught
    // exception on a timer, which ends a Node process.
    const boom = (): never => {
      throw new Error('tracer boom');
    };
    const tracer = { startSpan: boom, startActiveSpan: boom } as unknown as Tracer;
    const flow = new Flow({ flowId: 'throwing-tracer' });
    const s = new Routine();
    s.defineEvent('out');
    s.defineSlot('trigger', (_d, ctx) => ctx.emit('out', {}));
    const t = new Routine();
    t.defineSlot('in', () => {});
    flow.addRoutine(s, 's');
    flow.addRoutine(t, 't');
    flow.connect('s', 'out', 't', 'in');
    const instrumentation = instrumentFlow(flow, { tracer });
    const uncaught: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (e) => uncaught.push(e));
    try {
      const state = await flow.execute('s', {});
      expect(state.status).to.equal('completed');
      await new Promise((resolve) => setTimeout(resolve, 20));
      instrumentation.unsubscribe();
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(uncaught.map(String)).to.deep.equal([]);
  });

  it('a span whose end() throws does not stop the other spans from ending', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new BasicTracerProvider({ spanProcessors: [new SimpleSpanProcessor(exporter)] });
    const real = provider.getTracer('review2');
    let first = true;
    const tracer = {
      startSpan: (...args: Parameters<Tracer['startSpan']>) => {
        const span = real.startSpan(...args);
        if (first && args[0].startsWith('job')) return span;
        if (first) {
          first = false;
          const end = span.end.bind(span);
          span.end = (t) => {
            end(t);
            throw new Error('end boom');
          };
        }
        return span;
      },
    } as unknown as Tracer;
    const flow = new Flow({ flowId: 'end-throws' });
    const s = new Routine();
    s.defineSlot('trigger', () => {});
    flow.addRoutine(s, 's');
    instrumentFlow(flow, { tracer });
    const uncaught: unknown[] = [];
    const listeners = process.listeners('uncaughtException');
    process.removeAllListeners('uncaughtException');
    process.on('uncaughtException', (e) => uncaught.push(e));
    try {
      expect((await flow.execute('s', {})).status).to.equal('completed');
      await new Promise((resolve) => setTimeout(resolve, 20));
    } finally {
      process.removeAllListeners('uncaughtException');
      for (const l of listeners) process.on('uncaughtException', l);
    }
    expect(uncaught.map(String)).to.deep.equal([]);
  });
});

describe('review round 2: inspector', () => {
  /** One request over a fresh connection, with a 5 s cap: `status` -1 when no full answer came. */
  function ask(port: number, method: string, path: string): Promise<{ status: number; body: string }> {
    return new Promise((resolve, reject) => {
      const req = request({ host: '127.0.0.1', port, method, path, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (body += chunk));
        res.on('end', () => resolve({ status: res.statusCode!, body }));
      });
      req.setTimeout(5000, () => {
        req.destroy();
        resolve({ status: -1, body: '' });
      });
      req.on('error', reject);
      req.end();
    });
  }

  it('a malformed %-escape in a path is a 400, not a server error', async () => {
    const inspector = await serveInspector({ flows: [new Flow({ flowId: 'review2' })], port: 0 });
    try {
      for (const path of ['/api/jobs/%E0%A4%A/x', '/api/flows/%/graph.svg']) {
        const res = await ask(inspector.port, 'GET', path);
        expect(res.status, path).to.equal(400);
        expect(JSON.parse(res.body)).to.deep.include({ name: 'URIError' });
      }
    } finally {
      await inspector.close();
    }
  });

  it('HEAD /api/events answers with the headers and ends, holding no event stream open', async () => {
    const inspector = await serveInspector({ flows: [new Flow({ flowId: 'review2' })], port: 0 });
    try {
      const res = await ask(inspector.port, 'HEAD', '/api/events');
      expect(res.status).to.equal(200);
    } finally {
      await inspector.close();
    }
  });
});

describe('review round 2: CLI', () => {
  it('run --store <a file> is refused before the job starts (on main the job ran, failed to take its lease and was cancelled part-way)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'routilux-review2-'));
    try {
      const file = join(dir, 'not-a-dir');
      writeFileSync(file, 'x');
      const out: string[] = [];
      const io = { cwd: dir, env: {}, stdout: { write: (t: string) => void out.push(t) }, stderr: { write: (t: string) => void out.push(t) }, onInterrupt: () => () => undefined };
      const flow = new Flow({ flowId: 'cli-store' });
      flow.addRoutine(new TimeProvider(), 'r');
      writeFileSync(join(dir, 'flow.json'), JSON.stringify(flow.toJSON()));
      const code = await runCli(['run', 'flow.json', '--entry', 'r', '--no-progress', '--store', 'not-a-dir'], io);
      expect(code).to.equal(1);
      expect(out.join('')).to.equal(`routilux: --store not-a-dir: '${file}' is not a directory\n`);
      // A missing directory is still made.
      expect(await runCli(['run', 'flow.json', '--entry', 'r', '--no-progress', '--store', 'jobs'], io)).to.equal(0);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
