/**
 * dist_jobs' second floor: what Tier 1's Redis protocol costs with no routilux code around it.
 * Raw BullMQ plus exactly the Lua calls a Tier 1 job makes: the client REGISTERs each id (the
 * ids of a batch in one call, as BullMQRunner's RegisterBatch does) and adds its BullMQ job;
 * the worker's processor TAKEs the job (lease, snapshot, commands, inbox) and SAVEs a fixed
 * final snapshot of the real size with release, which publishes the status message to the
 * client's channel; the client counts the messages (it does not parse them).
 * Tier 1's CPU per job over this floor's is the share of routilux's own JavaScript (and its
 * garbage); this floor's over raw BullMQ's is the share of the protocol's extra round trips.
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { TAKE } from '../../lib/bullmq/control-scripts.js';
import { RegisterBatch } from '../../lib/bullmq/register-batch.js';
import { SAVE } from '../../lib/bullmq/store-scripts.js';
import { encodeId, jobKeyBase, jobKeys } from '../../lib/bullmq/redis-keys.js';
import { cpuMs, freshPrefix } from './dist.js';
import { Checks, nowMs, type RunResult } from './measure.js';

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1 } as const;
const BATCH = 1_000;

/** One run of `size` jobs on fresh keys; `text` is the final snapshot each SAVE writes. */
export async function protocolFloorRun(connection: object, size: number, text: string, concurrency: number): Promise<RunResult> {
  const prefix = freshPrefix('proto');
  const checks = new Checks();
  // Configured as routilux's own clients are (runWorker, BullMQRunner: no auto-pipelining), so
  // the floor's REGISTER, TAKE and SAVE cost what routilux's do: an ioredis pipeline holds each command
  // until the whole pipeline is answered, and the scavenger then promotes what the calls hold.
  const client = new Redis({ ...connection, enableAutoPipelining: false } as never);
  const subscriber = new Redis({ ...connection } as never);
  const watcher = `${prefix}:watcher:floor`;
  let heard = 0;
  let finish!: () => void;
  const all = new Promise<void>((resolve) => (finish = resolve));
  await subscriber.subscribe(watcher);
  subscriber.on('message', () => ++heard === size && finish());
  const owner = `floor:${process.pid}`;
  const registrar = new RegisterBatch(client);
  let starts = 0; // (a start token each, as BullMQRunner's)
  const worker = new Worker(
    'floor',
    async (bull) => {
      const id = (bull.data as { jobId: string }).jobId;
      const k = jobKeys(prefix, id);
      const taken = (await TAKE.run(client, [k.meta, k.state, k.journal, k.control, k.inbox], [owner, 30_000, 'fp', 'floor'])) as unknown[];
      const args = [text, String(taken[1]), 'completed', String(Date.now()), k.channel, '', '0', owner, ''];
      await SAVE.run(client, [k.state, k.journal, k.meta, k.control, k.inbox], args);
    },
    { connection: connection as never, prefix, concurrency },
  );
  const queue = new Queue('floor', { connection: connection as never, prefix });
  await worker.waitUntilReady();
  const cpu = process.cpuUsage();
  const t0 = nowMs();
  for (let i = 0; i < size; i += BATCH) {
    const ids = Array.from({ length: Math.min(BATCH, size - i) }, () => randomBytes(16).toString('hex'));
    const registered = await Promise.all(ids.map((id) => registrar.register(jobKeyBase(prefix, id), 'fp', 'floor', `${watcher}\n${encodeId(id)}`, `${owner}.${++starts}`)));
    checks.that(
      registered.every((r) => r[0] === 1),
      'a REGISTER was refused',
    );
    await queue.addBulk(ids.map((jobId, k) => ({ name: 'start', data: { v: 1, jobId, kind: 'start' }, opts: { ...JOB_OPTIONS, jobId: `${jobId}.${registered[k][1]!}` } })));
  }
  await all;
  const ms = nowMs() - t0;
  const cpuPerJob = (cpuMs(cpu) * 1000) / size;
  checks.equal(heard, size, 'status messages heard');
  await queue.close();
  await worker.close();
  subscriber.disconnect();
  client.disconnect();
  return checks.result(ms, { cpuPerJob, size });
}
