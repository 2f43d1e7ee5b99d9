/**
 * Shared by the distributed specs: a cluster of in-process workers and a runner on the suite's
 * redis-server, each suite under its own key prefix, all closed after.
 */
import { Routine, type Flow } from '../../lib/index.js';
import { BullMQRunner, runWorker, type WorkerHandle, type WorkerOptions } from '../../lib/bullmq/index.js';
import type { RedisFixture } from '../helpers/use-redis.js';
import { Redis } from 'ioredis';

export interface Cluster {
  readonly prefix: string;
  readonly runner: BullMQRunner;
  readonly workers: WorkerHandle[];
  /** Background errors of the workers and the runner (a spec may expect none). */
  readonly errors: unknown[];
  /** Another worker on the same prefix. */
  addWorker(options?: Partial<WorkerOptions>): Promise<WorkerHandle>;
  close(): Promise<void>;
}

let suites = 0;

/** `count` workers of `build()` (each its own Flow instance) and one runner, on a fresh prefix. */
export async function startCluster(redis: RedisFixture, build: () => Flow, count = 2, options: Partial<WorkerOptions> = {}): Promise<Cluster> {
  const prefix = `c${++suites}${process.pid}`;
  const errors: unknown[] = [];
  const workers: WorkerHandle[] = [];
  const addWorker = async (more: Partial<WorkerOptions> = {}): Promise<WorkerHandle> => {
    const worker = await runWorker(build(), { connection: redis.connection, prefix, lockDuration: 2_000, stalledInterval: 1_000, ...options, ...more });
    worker.errors$.subscribe((e) => errors.push(e));
    workers.push(worker);
    return worker;
  };
  for (let i = 0; i < count; i++) await addWorker();
  const runner = new BullMQRunner({ connection: redis.connection, prefix });
  runner.errors$.subscribe((e) => errors.push(e));
  return {
    prefix,
    runner,
    workers,
    errors,
    addWorker,
    async close() {
      await runner.close();
      await Promise.all(workers.map((w) => w.close()));
    },
  };
}

/**
 * A runner on `prefix` with its own connection, whose calls of `script` (by its sha) reach Redis
 * `ms` later. `close` closes the runner only (the connection stays up, as a caller's client
 * would, so what was on its way completes); `disconnect` ends the connection.
 */
export function slowScriptRunner(redis: RedisFixture, prefix: string, script: { sha: string }, ms = 300): { runner: BullMQRunner; close: () => Promise<void>; disconnect: () => void } {
  const client = new Redis(redis.connection as never);
  const evalsha = client.evalsha.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { evalsha: unknown }).evalsha = async (...args: unknown[]) => {
    if (args[0] === script.sha) await new Promise((resolve) => setTimeout(resolve, ms));
    return evalsha(...args);
  };
  const runner = new BullMQRunner({ connection: client, prefix });
  return { runner, close: () => runner.close(), disconnect: () => client.disconnect() };
}

/**
 * An owner routine that sums the `v` of what arrives on `in` into shared data `total`: an emit
 * applied twice counts twice, so a spec sees a repeat in the total.
 */
export class Total extends Routine {
  constructor() {
    super();
    this.defineSlot<{ v: number }>('in', (d, ctx) => ctx.setSharedData('total', ctx.getSharedData<number>('total', 0) + d.v));
  }
}
