/**
 * What the distributed workloads share: a throwaway redis-server (Debian's binary, on a unix
 * socket in a temp dir; the same harness as the specs), a skip line when there is none, and
 * CPU time of this process.
 */
import { findRedisServer, startRedisServer, type RedisServer } from '../../spec/helpers/redis-server.js';
import { report } from './report.js';

/** Runs `body` with a fresh redis-server; without one, prints a skipped (ok) line for `workload` instead. */
export async function withRedis(workload: string, body: (server: RedisServer) => Promise<void>): Promise<void> {
  const { binary, reason } = findRedisServer();
  if (binary === undefined) {
    process.stderr.write(`${workload}: skipped: ${reason}\n`);
    report({ workload, n: 0, seconds: 0, per_sec: 0, ok: true, skipped: reason });
    return;
  }
  const server = await startRedisServer(binary);
  try {
    await body(server);
  } finally {
    await server.stop();
  }
}

/** CPU time (user + system) of this process in ms since `since` (a `process.cpuUsage()` value). */
export function cpuMs(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since);
  return (d.user + d.system) / 1000;
}

/** A key prefix no earlier run used (each measured run starts from empty queues). */
let runs = 0;
export function freshPrefix(name: string): string {
  return `${name}${process.pid}r${++runs}`;
}
