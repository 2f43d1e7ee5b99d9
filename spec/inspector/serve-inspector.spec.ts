import { expect } from 'chai';
import { request } from 'node:http';
import { ConfigurationError, Flow, MemoryJobStore, Routine, type Payload } from '../../lib/index.js';
import { serveInspector, type InspectorServer } from '../../lib/inspector/index.js';
import { until } from '../helpers/routines.js';

// Issue 20: the inspector's server, over plain HTTP (the page itself: browser.spec.ts).
const TOKEN = 'serve-spec-token';
let broken = true;

class Source extends Routine {
  constructor() {
    super();
    this.defineEvent('out');
    this.defineSlot('trigger', (p: Payload, ctx) => {
      if (p.pause) void ctx.pause('look');
      ctx.emit('out', p);
    });
  }
}
class Fragile extends Routine {
  constructor() {
    super();
    this.defineSlot('in', (p: Payload) => {
      if (p.fragile && broken) throw new Error('broken for now');
    });
  }
}

function makeFlow(store?: MemoryJobStore): Flow {
  const flow = new Flow(store === undefined ? { flowId: 'f' } : { flowId: 'f', store, checkpoint: 'always' });
  flow.addRoutine(new Source(), 'src');
  flow.addRoutine(new Fragile(), 'fragile');
  flow.connect('src', 'out', 'fragile', 'in');
  return flow;
}

/** A request with full control of its headers (fetch may not set Host). */
function call(server: InspectorServer, path: string, options: { method?: string; headers?: Record<string, string> } = {}): Promise<{ status: number; headers: Record<string, unknown>; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port: server.port, path, method: options.method ?? 'GET', headers: options.headers }, (res) => {
      let body = '';
      res.setEncoding('utf8').on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, headers: res.headers, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
const post = (server: InspectorServer, path: string, token?: string) => call(server, path, { method: 'POST', headers: token === undefined ? {} : { authorization: `Bearer ${token}` } });
const json = async (p: Promise<{ body: string }>) => JSON.parse((await p).body) as Record<string, any>;

describe('serveInspector (HTTP)', function () {
  this.timeout(30_000);
  const open: InspectorServer[] = [];
  const serve = async (...args: Parameters<typeof serveInspector>) => {
    const s = await serveInspector(...args);
    open.push(s);
    return s;
  };
  afterEach(async () => {
    await Promise.all(open.splice(0).map((s) => s.close()));
    broken = true;
  });

  it('rejects bad options with a ConfigurationError naming them', async () => {
    const flow = makeFlow();
    const cases: Array<[Record<string, unknown>, RegExp]> = [
      [{ flows: [] }, /nothing to show/],
      [{ flows: [flow, makeFlow()] }, /two flows have the id 'f'/],
      [{ flows: flow, port: 70000 }, /options.port/],
      [{ flows: flow, token: 'short' }, /options.token must be a string of at least 8/],
      [{ flows: 'f' }, /options.flows must be a Flow/],
    ];
    for (const [options, message] of cases) {
      let error: unknown;
      try {
        await serveInspector({ port: 0, ...options } as never);
      } catch (e) {
        error = e;
      }
      expect(error, String(message)).to.be.instanceOf(ConfigurationError);
      expect((error as Error).message).to.match(message);
    }
  });

  it('a port in use rejects with the listen error, and leaves the flow unwatched', async () => {
    const first = await serve({ flows: makeFlow(), port: 0 });
    const flow = makeFlow();
    let error: NodeJS.ErrnoException | undefined;
    try {
      await serveInspector({ flows: flow, port: first.port });
    } catch (e) {
      error = e as NodeJS.ErrnoException;
    }
    expect(error?.code).to.equal('EADDRINUSE');
    expect((flow as unknown as { engine: { inspecting: boolean } }).engine.inspecting).to.equal(false);
  });

  it('binds to 127.0.0.1 by default, answers only requests addressed to this machine, warns when exposed without a token', async () => {
    const local = await serve({ flows: makeFlow(), port: 0 });
    expect(local.host).to.equal('127.0.0.1');
    expect(local.url).to.equal(`http://127.0.0.1:${local.port}/`);
    expect(local.warnings).to.deep.equal([]);
    expect((await call(local, '/')).status).to.equal(200);
    expect((await call(local, '/', { headers: { host: `localhost:${local.port}` } })).status).to.equal(200);
    expect((await call(local, '/api/jobs', { headers: { host: 'attacker.example' } })).status).to.equal(421); // DNS rebinding
    const warned: string[] = [];
    const exposed = await serve({ flows: makeFlow(), port: 0, host: '0.0.0.0', onWarning: (w) => warned.push(w) });
    expect(warned).to.have.length(1);
    expect(warned[0]).to.match(/listening on 0\.0\.0\.0:\d+ without a token: anyone who can reach this address can read/);
    expect(exposed.warnings).to.deep.equal(warned);
    const guarded = await serve({ flows: makeFlow(), port: 0, host: '0.0.0.0', token: TOKEN, onWarning: (w) => warned.push(w) });
    expect(guarded.warnings).to.deep.equal([]);
  });

  it('serves every asset itself, with a policy that lets the page load nothing from elsewhere', async () => {
    const s = await serve({ flows: makeFlow(), port: 0 });
    const page = await call(s, '/');
    expect(page.headers['content-security-policy']).to.match(/default-src 'none'; script-src 'self'; style-src 'self'/);
    const refs = [...page.body.matchAll(/(?:src|href)="([^"]+)"/g)].map((m) => m[1]);
    expect(refs.sort()).to.deep.equal(['/assets/icon.svg', '/assets/icon.svg', '/assets/inspector.css', '/assets/inspector.js']);
    for (const asset of ['/assets/inspector.js', '/assets/inspector.css', '/assets/icon.svg']) {
      const r = await call(s, asset);
      expect(r.status, asset).to.equal(200);
      // The only URL in any asset is the SVG namespace, an identifier that is never fetched.
      expect(r.body.replace(/http:\/\/www\.w3\.org\/2000\/svg/g, ''), asset).to.not.match(/https?:\/\/|\/\/[a-z0-9.-]+\.[a-z]{2,}\//i);
    }
    expect((await call(s, '/api/flows/f/graph.svg')).body).to.match(/^<svg [^>]*class="flow-graph"/);
    expect((await call(s, '/api/flows/nope/graph.svg')).status).to.equal(404);
  });

  it('controls: 403 on a read-only inspector; 401 without the header, with another token, or with the token in the URL; 200 with it', async () => {
    const flow = makeFlow();
    const job = flow.start('src', { pause: true }, { jobId: 'p1' });
    await job.wait();
    const readOnly = await serve({ flows: flow, port: 0 });
    expect((await post(readOnly, '/api/jobs/f/p1/resume', TOKEN)).status).to.equal(403);
    await readOnly.close();
    const s = await serve({ flows: flow, port: 0, token: TOKEN });
    expect(await json(call(s, '/api/session'))).to.deep.include({ readOnly: false });
    expect((await post(s, '/api/jobs/f/p1/resume')).status).to.equal(401);
    expect((await post(s, '/api/jobs/f/p1/resume', 'another-token-1')).status).to.equal(401);
    expect((await post(s, `/api/jobs/f/p1/resume?token=${TOKEN}`)).status).to.equal(401);
    expect((await call(s, '/api/jobs/f/p1/resume', { method: 'POST', headers: { authorization: TOKEN } })).status).to.equal(401);
    expect(job.state.status).to.equal('paused');
    const ok = await post(s, '/api/jobs/f/p1/resume', TOKEN);
    expect(ok.status).to.equal(200);
    expect(JSON.parse(ok.body)).to.deep.equal({ flowId: 'f', jobId: 'p1', action: 'resume', status: 'running' });
    expect((await job.wait()).status).to.equal('completed');
    const refused = await post(s, '/api/jobs/f/p1/pause', TOKEN);
    expect(refused.status).to.equal(409);
    expect(JSON.parse(refused.body).error).to.match(/cannot pause job 'p1': it is completed/);
    expect((await post(s, '/api/jobs/f/nope/pause', TOKEN)).status).to.equal(404);
    expect((await post(s, '/api/jobs/f/p1/explode', TOKEN)).status).to.equal(404);
  });

  it('retry re-runs a failed job (and only a failed one); cancel ends a live one', async () => {
    const flow = makeFlow();
    const s = await serve({ flows: flow, port: 0, token: TOKEN });
    const failed = flow.start('src', { fragile: true }, { jobId: 'r1' });
    expect((await failed.wait()).status).to.equal('failed');
    const row = (await json(call(s, '/api/jobs'))).jobs.find((j: { jobId: string }) => j.jobId === 'r1');
    expect(row).to.deep.include({ status: 'failed', source: 'live', error: { name: 'Error', message: 'broken for now', routineId: 'fragile' } });
    broken = false;
    expect((await json(post(s, '/api/jobs/f/r1/retry', TOKEN))).status).to.equal('running');
    expect((await failed.wait()).status).to.equal('completed');
    expect((await post(s, '/api/jobs/f/r1/retry', TOKEN)).status).to.equal(409);
    const paused = flow.start('src', { pause: true }, { jobId: 'c1' });
    await paused.wait();
    expect((await json(post(s, '/api/jobs/f/c1/cancel', TOKEN))).status).to.equal('cancelled');
  });

  it('lists stored jobs next to live ones, shows their detail, and resumes them on their flow', async () => {
    const store = new MemoryJobStore();
    const before = makeFlow(store);
    const job = before.start('src', { pause: true, note: 10n }, { jobId: 's1' });
    await job.wait();
    await before.checkpointsFlushed();
    const flow = makeFlow(store); // another process, say: s1 is only in the store
    const s = await serve({ flows: flow, port: 0, token: TOKEN });
    const row = (await json(call(s, '/api/jobs'))).jobs.find((j: { jobId: string }) => j.jobId === 's1');
    expect(row).to.deep.include({ flowId: 'f', status: 'paused', source: 'stored', queued: 1 });
    const detail = await json(call(s, '/api/jobs/f/s1'));
    expect(detail.pendingTasks[0]).to.deep.include({ routineId: 'fragile', slotName: 'in', data: { pause: true, note: { $type: 'bigint', value: '10' } } });
    expect(detail.pausePoints[0]).to.deep.include({ reason: 'look' });
    expect((await post(s, '/api/jobs/f/s1/cancel', TOKEN)).status).to.equal(409);
    expect((await json(post(s, '/api/jobs/f/s1/resume', TOKEN))).status).to.be.oneOf(['running', 'completed']);
    for (let i = 0; i < 500 && (await store.load('s1'))?.status !== 'completed'; i++) await new Promise((r) => setTimeout(r, 20));
    expect((await store.load('s1'))?.status).to.equal('completed');
    expect((await json(call(s, '/api/jobs'))).jobs.find((j: { jobId: string }) => j.jobId === 's1')).to.deep.include({ status: 'completed', source: 'live' });
    expect((await call(s, '/api/jobs/f/unknown')).status).to.equal(404);
  });

  it('streams status changes and activity as Server-Sent Events; close() ends streams and stops watching', async () => {
    const flow = makeFlow();
    const s = await serve({ flows: flow, port: 0 });
    const events: Array<Record<string, unknown>> = [];
    let chunks = 0;
    let ended = false;
    await new Promise<void>((resolve) => {
      request({ host: '127.0.0.1', port: s.port, path: '/api/events' }, (res) => {
        expect(res.headers['content-type']).to.match(/^text\/event-stream/);
        res.setEncoding('utf8').on('data', (chunk: string) => {
          chunks++;
          for (const line of chunk.split('\n')) if (line.startsWith('data: ')) events.push(JSON.parse(line.slice(6)) as Record<string, unknown>);
        });
        res.on('end', () => (ended = true));
        resolve();
      }).end();
    });
    // Conditions, not fixed 50 / 400 ms waits (a loaded machine is slower): the stream is open
    // (its first chunk arrived), and then the job's events and the next activity tick arrive.
    await until(() => chunks > 0, 10_000, 'the stream to open');
    await flow.execute('src', {}, { jobId: 'e1' });
    const activityOfE1 = (): boolean => events.some((e) => e.type === 'activity' && (e.jobs as Array<{ jobId: string }>).some((j) => j.jobId === 'e1'));
    await until(() => events.some((e) => e.type === 'job' && e.status === 'completed') && activityOfE1(), 10_000, 'the job events and its activity');
    expect(events.filter((e) => e.type === 'job').map((e) => e.status)).to.deep.equal(['running', 'completed']);
    expect(events.some((e) => e.type === 'activity' && (e.jobs as Array<{ jobId: string }>).some((j) => j.jobId === 'e1'))).to.equal(true);
    const stats = await json(call(s, '/api/stats'));
    expect(stats.f.map((r: { routineId: string; activations: number }) => [r.routineId, r.activations])).to.deep.equal([['src', 1], ['fragile', 1]]);
    await s.close();
    await until(() => ended, 10_000, 'the stream to end');
    expect(ended).to.equal(true);
    expect((flow as unknown as { engine: { inspecting: boolean } }).engine.inspecting).to.equal(false);
  });
});
