import type { IncomingMessage, ServerResponse } from 'node:http';
import { ConfigurationError, JobStateError, describeError } from '../errors/errors.js';
import { layoutFlow } from '../inspect/graph-layout.js';
import { renderGraphSvg } from '../inspect/graph-svg.js';
import { jobDetailView } from '../inspect/job-views.js';
import type { InspectorHub } from './inspector-hub.js';
import type { SseChannel } from './sse-channel.js';
import { applyJobAction, JOB_ACTIONS, type JobAction } from './job-actions.js';
import { checkToken } from './token-check.js';
import { PAGE_HTML } from './page-html.js';
import { PAGE_STYLE } from './page-style.js';
import { PAGE_SCRIPT } from './page-script.js';
import { PAGE_ICON } from './page-icon.js';

/** Everything on the page comes from this server: the CSP says so to the browser too. */
const SECURITY_HEADERS = {
  'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
};

const ASSETS: Record<string, { type: string; body: string }> = {
  '/': { type: 'text/html; charset=utf-8', body: PAGE_HTML },
  '/assets/inspector.js': { type: 'text/javascript; charset=utf-8', body: PAGE_SCRIPT },
  '/assets/inspector.css': { type: 'text/css; charset=utf-8', body: PAGE_STYLE },
  '/assets/icon.svg': { type: 'image/svg+xml', body: PAGE_ICON },
};

/**
 * @internal The inspector's HTTP routes: the page and its assets, the JSON API (`/api/…`),
 * the event stream, and the token-guarded job actions (`POST /api/jobs/<flow>/<job>/<action>`).
 * `allowedHosts` (when bound to this machine only) refuses requests for any other `Host`, so
 * a web page elsewhere cannot reach the API through DNS rebinding.
 *
 * @example
 * ```ts
 * http.createServer((req, res) => void route(req, res, { hub, sse, token, allowedHosts }));
 * ```
 */
export async function route(req: IncomingMessage, res: ServerResponse, ctx: { hub: InspectorHub; sse: SseChannel; token: string | undefined; allowedHosts: ReadonlySet<string> | undefined }): Promise<void> {
  try {
    if (ctx.allowedHosts !== undefined && !ctx.allowedHosts.has((req.headers.host ?? '').toLowerCase())) return send(res, 421, { error: `unexpected Host header '${req.headers.host ?? ''}'` });
    const url = new URL(req.url ?? '/', 'http://inspector');
    const path = url.pathname;
    const parts = path.split('/').slice(1).map((p) => decodeURIComponent(p));
    if (req.method === 'POST') {
      if (parts.length === 5 && parts[0] === 'api' && parts[1] === 'jobs' && JOB_ACTIONS.includes(parts[4] as JobAction)) return await action(req, res, ctx, parts[2], parts[3], parts[4] as JobAction);
      return send(res, 404, { error: `no route POST ${path}` });
    }
    if (req.method !== 'GET' && req.method !== 'HEAD') return send(res, 405, { error: `method ${req.method} not allowed` });
    const asset = ASSETS[path];
    if (asset !== undefined) return text(res, 200, asset.type, asset.body);
    if (path === '/api/session') return send(res, 200, { readOnly: ctx.token === undefined, flows: ctx.hub.flows.map((f) => ({ flowId: f.flowId, routines: f.routines.size, connections: f.connections.length })) });
    if (path === '/api/jobs') return send(res, 200, { jobs: await ctx.hub.summaries() });
    if (path === '/api/stats') return send(res, 200, Object.fromEntries([...ctx.hub.stats].map(([flowId, s]) => [flowId, s.snapshot()])));
    // A HEAD gets the stream's headers and ends: opened, it would hold a client slot that
    // never sends a byte until the socket goes.
    if (path === '/api/events') return req.method === 'HEAD' ? text(res, 200, 'text/event-stream; charset=utf-8', '') : ctx.sse.open(res);
    if (parts.length === 4 && parts[0] === 'api' && parts[1] === 'flows' && parts[3] === 'graph.svg') {
      const flow = ctx.hub.flow(parts[2]);
      return flow === undefined ? send(res, 404, { error: `no flow '${parts[2]}'` }) : text(res, 200, 'image/svg+xml; charset=utf-8', renderGraphSvg(layoutFlow(flow)));
    }
    if (parts.length === 4 && parts[0] === 'api' && parts[1] === 'jobs') return await detail(res, ctx.hub, parts[2], parts[3]);
    return send(res, 404, { error: `no route GET ${path}` });
  } catch (error) {
    const { name, message } = describeError(error);
    // A URIError is a malformed %-escape in the path: the request's fault, not the server's.
    const status = error instanceof ConfigurationError ? 404 : error instanceof JobStateError ? 409 : error instanceof URIError ? 400 : 500;
    if (!res.headersSent) send(res, status, { error: message, name });
    else res.destroy();
  }
}

async function detail(res: ServerResponse, hub: InspectorHub, flowId: string, jobId: string): Promise<void> {
  const live = hub.liveJob(flowId, jobId);
  if (live !== undefined) return send(res, 200, jobDetailView(live.state, 'live'));
  const stored = await hub.storedState(jobId);
  if (stored === undefined || stored.flowId !== flowId) return send(res, 404, { error: `no job '${jobId}' of flow '${flowId}'` });
  send(res, 200, jobDetailView(stored, 'stored'));
}

async function action(req: IncomingMessage, res: ServerResponse, ctx: { hub: InspectorHub; token: string | undefined }, flowId: string, jobId: string, verb: JobAction): Promise<void> {
  req.resume(); // no body is read; drain whatever was sent
  const access = checkToken(req.headers, ctx.token);
  if (access === 'read-only') return send(res, 403, { error: 'read-only: this inspector was started without a token, so jobs cannot be changed from it' });
  if (access === 'refused') return send(res, 401, { error: 'a valid token is needed to change jobs (an Authorization: Bearer <token> header)' });
  const status = await applyJobAction(ctx.hub, flowId, jobId, verb);
  send(res, 200, { flowId, jobId, action: verb, status });
}

function send(res: ServerResponse, status: number, body: unknown): void {
  text(res, status, 'application/json; charset=utf-8', JSON.stringify(body));
}

function text(res: ServerResponse, status: number, type: string, body: string): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', ...SECURITY_HEADERS });
  res.end(body);
}
