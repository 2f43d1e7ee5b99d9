import type { ServerResponse } from 'node:http';

/**
 * @internal The open Server-Sent-Event streams of the inspector's pages: each message goes to
 * all of them as one `data:` line of JSON; a comment every 15 s keeps proxies from closing an
 * idle stream. A stream that ended is forgotten.
 *
 * @example
 * ```ts
 * const sse = new SseChannel();
 * sse.open(res);
 * sse.send({ type: 'job', flowId, jobId, status: 'paused' });
 * ```
 */
export class SseChannel {
  private readonly clients = new Set<ServerResponse>();
  private readonly heartbeat: ReturnType<typeof setInterval>;

  constructor() {
    this.heartbeat = setInterval(() => this.write(': keep-alive\n\n'), 15_000);
    this.heartbeat.unref?.();
  }

  open(res: ServerResponse): void {
    res.writeHead(200, { 'content-type': 'text/event-stream; charset=utf-8', 'cache-control': 'no-store', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    res.write('retry: 2000\n\n');
    this.clients.add(res);
    res.on('close', () => this.clients.delete(res));
  }

  send(message: unknown): void {
    this.write(`data: ${JSON.stringify(message)}\n\n`);
  }

  get size(): number {
    return this.clients.size;
  }

  close(): void {
    clearInterval(this.heartbeat);
    for (const res of this.clients) res.end();
    this.clients.clear();
  }

  private write(text: string): void {
    for (const res of this.clients) if (!res.writableEnded) res.write(text);
  }
}
