import { createServer, type Server } from 'node:http';
import type { Socket } from 'node:net';
import { InspectorHub } from './inspector-hub.js';
import { resolveInspectorOptions, type InspectorOptions } from './inspector-options.js';
import { route } from './inspector-routes.js';
import { SseChannel } from './sse-channel.js';

/**
 * A running inspector: where it listens, what it warned about, and `close()`.
 *
 * @example
 * ```ts
 * const inspector = await serveInspector({ flows: [flow] });
 * console.log(`open ${inspector.url}`);
 * await inspector.close();
 * ```
 */
export interface InspectorServer {
  /** `http://host:port/`, the page. */
  readonly url: string;
  readonly host: string;
  readonly port: number;
  /** The warnings given at start (also sent to `onWarning`). */
  readonly warnings: readonly string[];
  /** Stops listening, ends the open pages' event streams, stops watching the flows. */
  close(): Promise<void>;
}

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

/**
 * Serves the inspector: one page (every asset from this server, nothing from the internet)
 * showing each flow's graph with each routine coloured by what it is doing in the selected job,
 * the jobs (live ones of the given flows, and stored ones) with status, age, activations done
 * and queued and the error of a failed job, one job in detail (queued tasks, routine states,
 * slot data, newest history, pause points), live through Server-Sent Events from
 * `flow.inspect$`, and per routine its activations, failures, mean and p95 duration.
 *
 * Pause, resume, cancel and retry work only for requests with `Authorization: Bearer <token>`
 * (the page sends the token you type as that header); without `token` the inspector is
 * read-only. It binds to 127.0.0.1 by default and then answers only requests addressed to
 * this machine; bound elsewhere without a token, it warns: anyone who can reach it can read
 * every job's data.
 *
 * @throws {ConfigurationError} (rejects) for bad options; rejects with the listen error (a port in use).
 * @example
 * ```ts
 * import { serveInspector } from 'routilux/inspect';
 * const inspector = await serveInspector({ flows: [orders], store, token: process.env.INSPECTOR_TOKEN });
 * console.log(inspector.url); // http://127.0.0.1:7878/
 * ```
 */
export async function serveInspector(options: InspectorOptions): Promise<InspectorServer> {
  const o = resolveInspectorOptions(options);
  const hub = new InspectorHub(o.flows, o.store, o);
  const sse = new SseChannel();
  const stopListening = hub.listen((event) => sse.send(event));
  const sockets = new Set<Socket>();
  let allowedHosts: Set<string> | undefined;
  const server = createServer((req, res) => void route(req, res, { hub, sse, token: o.token, allowedHosts }));
  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  try {
    await listen(server, o.port, o.host);
  } catch (error) {
    stopListening();
    hub.close();
    sse.close();
    throw error;
  }
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : o.port;
  const loopback = LOOPBACK.has(o.host);
  if (loopback) allowedHosts = new Set([...LOOPBACK].map((h) => `${h.includes(':') && !h.startsWith('[') ? `[${h}]` : h}:${port}`));
  const warnings: string[] = [];
  if (!loopback && o.token === undefined) {
    warnings.push(`routilux inspector: listening on ${o.host}:${port} without a token: anyone who can reach this address can read every job's data (controls stay off). Bind to 127.0.0.1, or set a token.`);
  }
  for (const w of warnings) o.onWarning(w);
  const urlHost = o.host.includes(':') && !o.host.startsWith('[') ? `[${o.host}]` : o.host === '0.0.0.0' ? '127.0.0.1' : o.host;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${urlHost}:${port}/`,
    host: o.host,
    port,
    warnings,
    close() {
      closing ??= new Promise<void>((resolve) => {
        stopListening();
        hub.close();
        sse.close();
        server.close(() => resolve());
        for (const socket of sockets) socket.destroy();
      });
      return closing;
    },
  };
}

function listen(server: Server, port: number, host: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
}
