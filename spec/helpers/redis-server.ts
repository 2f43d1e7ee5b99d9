/**
 * A throwaway Redis for the distributed specs and benchmarks: Debian's `redis-server` started as
 * a foreground child on a unix socket in a fresh temp dir (no TCP port, nothing saved), ready
 * once it answers PING, and stopped (the dir removed) by `stop()`. Nothing is downloaded.
 *
 * `REDIS_SERVER` overrides the binary; else `/usr/bin/redis-server`, else `redis-server` on PATH.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A running redis-server child. */
export interface RedisServer {
  /** The unix socket it listens on: `{ path }` is an ioredis / BullMQ connection. */
  readonly socket: string;
  readonly connection: { path: string };
  readonly pid: number;
  /** Stops the server (SIGTERM, then SIGKILL after 5 s) and removes its temp dir. */
  stop(): Promise<void>;
}

/** The redis-server binary to run, or `undefined` (with why) when there is none. */
export function findRedisServer(): { binary?: string; reason?: string } {
  const fromEnv = process.env.REDIS_SERVER;
  if (fromEnv) return existsSync(fromEnv) ? { binary: fromEnv } : { reason: `REDIS_SERVER=${fromEnv} does not exist` };
  if (existsSync('/usr/bin/redis-server')) return { binary: '/usr/bin/redis-server' };
  const which = spawnSync('sh', ['-c', 'command -v redis-server'], { encoding: 'utf8' });
  const found = which.status === 0 ? which.stdout.trim() : '';
  return found ? { binary: found } : { reason: 'redis-server is not installed (Debian: apt-get install redis-server)' };
}

/** Starts a redis-server and resolves once it answers PING; rejects (the child killed) if it never does. */
export async function startRedisServer(binary: string, timeoutMs = 10_000): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), 'routilux-redis-'));
  const socket = join(dir, 'redis.sock');
  const child = spawn(binary, ['--port', '0', '--unixsocket', socket, '--unixsocketperm', '700', '--save', '', '--appendonly', 'no', '--dir', dir, '--loglevel', 'warning'], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr!.setEncoding('utf8');
  child.stderr!.on('data', (chunk: string) => (stderr += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const stop = async (): Promise<void> => {
    if (child.exitCode === null && child.signalCode === null) {
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    }
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + timeoutMs;
  while (!(await pings(socket))) {
    if (child.exitCode !== null || child.signalCode !== null || Date.now() > deadline) {
      await stop();
      throw new Error(`redis-server did not answer PING on ${socket} within ${timeoutMs} ms: ${stderr.trim() || '(no output)'}`);
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
  return { socket, connection: { path: socket }, pid: child.pid!, stop };
}

/** Whether a Redis answers PING on `socket` (one short-lived connection). */
function pings(socket: string): Promise<boolean> {
  if (!existsSync(socket)) return Promise.resolve(false);
  return new Promise((resolve) => {
    const conn = connect(socket);
    let reply = '';
    const done = (ok: boolean): void => {
      conn.destroy();
      resolve(ok);
    };
    conn.setTimeout(1_000, () => done(false));
    conn.on('error', () => done(false));
    conn.on('connect', () => conn.write('PING\r\n'));
    conn.on('data', (chunk) => {
      reply += chunk.toString('utf8');
      if (reply.includes('\r\n')) done(reply.startsWith('+PONG'));
    });
  });
}
