/**
 * Shared by the distributed specs that force a connection blip: a unix-socket proxy in front of
 * the suite's redis-server that lets one chosen script call reach Redis and drops the connection
 * when its reply comes back, so ioredis sends that call again after reconnecting
 * (`autoResendUnfulfilledCommands`, on by default).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A unix-socket proxy to `target`. `dropReplyTo(sha)` arms it: the next connection that sends a
 * call of that script has it delivered to Redis, and is cut (both ways) when Redis answers, the
 * reply discarded. `dropped` counts the cuts.
 */
export class BlipProxy {
  readonly path: string;
  dropped = 0;
  private readonly dir: string;
  private readonly server: net.Server;
  private readonly sockets = new Set<net.Socket>();
  private armed: readonly string[] | undefined = undefined;

  constructor(target: string) {
    this.dir = mkdtempSync(join(tmpdir(), 'rlx-blip-'));
    this.path = join(this.dir, 'proxy.sock');
    this.server = net.createServer((client) => {
      const upstream = net.createConnection(target);
      this.sockets.add(client).add(upstream);
      let cutOnReply = false;
      const cut = (): void => {
        client.destroy();
        upstream.destroy();
      };
      client.on('data', (chunk) => {
        if (this.armed?.some((marker) => chunk.includes(marker))) {
          this.armed = undefined;
          cutOnReply = true;
        }
        upstream.write(chunk);
      });
      upstream.on('data', (chunk) => {
        if (cutOnReply) {
          this.dropped++;
          return cut(); // Redis ran it; its reply is lost with the connection
        }
        client.write(chunk);
      });
      client.on('close', cut).on('error', cut);
      upstream.on('close', cut).on('error', cut);
    });
  }

  listen(): Promise<void> {
    return new Promise((resolve) => this.server.listen(this.path, resolve));
  }

  /** Arms the proxy for the next call holding any of `markers` (a script's sha for an EVALSHA; a piece of its source for the EVAL ioredis sends first on each socket). */
  dropReplyTo(...markers: string[]): void {
    this.armed = markers;
  }

  async close(): Promise<void> {
    for (const s of this.sockets) s.destroy();
    await new Promise((resolve) => this.server.close(resolve));
    rmSync(this.dir, { recursive: true, force: true });
  }
}
