/**
 * dist_chain10's second floor: what a Tier 2 chain's Redis protocol costs with no routilux code
 * around it. Raw BullMQ plus the Lua calls one chain makes: the client REGISTERs and adds the
 * start job; its worker TAKEs it, SAVEs the first snapshot, APPENDs the turn of the entry
 * routine's end and adds the first pool job; each pool job RESULTs (to the local owner, as in
 * the workload's one process) and, as the owner, adds the next pool job (a pool-only turn's
 * checkpoint waits: no APPEND); the last one APPENDs the end routine's turn and SAVEs the final
 * snapshot with release, which publishes the status message to the client, who counts them.
 * (Before pool-only turns waited, every hop APPENDed: 45 calls per chain, as `INFO
 * commandstats` counted for the workload; these calls follow the rule, they were not counted
 * again.) Texts have the sizes the workload writes (measured with MONITOR: journal entries
 * about 1.2 KB, snapshots about 3.7 KB).
 */
import { randomBytes } from 'node:crypto';
import { Queue, Worker } from 'bullmq';
import { Redis } from 'ioredis';
import { RESULT, TAKE } from '../../lib/bullmq/control-scripts.js';
import { RegisterBatch } from '../../lib/bullmq/register-batch.js';
import { APPEND, SAVE } from '../../lib/bullmq/store-scripts.js';
import { encodeId, jobKeyBase, jobKeys, ownerChannel } from '../../lib/bullmq/redis-keys.js';
import { freshPrefix } from './dist.js';
import { Checks, nowMs, type RunResult } from './measure.js';

const JOB_OPTIONS = { removeOnComplete: true, removeOnFail: true, attempts: 1 } as const;
const SNAPSHOT = 'x'.repeat(3_700);
const ENTRY = 'x'.repeat(1_200);
const EFFECTS = 'x'.repeat(50);

interface Hop {
  jobId: string;
  step: number;
  epoch: string;
}

/** One run of `chains` chains of `steps` pool hops each, all started at once, on fresh keys. */
export async function poolProtocolFloorRun(connection: object, chains: number, steps: number): Promise<RunResult> {
  const prefix = freshPrefix('poolproto');
  const checks = new Checks();
  // Configured as routilux's own clients are (runWorker, BullMQRunner: no auto-pipelining), so
  // the floor's script calls cost what routilux's do: an ioredis pipeline holds each command
  // until the whole pipeline is answered, and the scavenger then promotes what the calls hold.
  const client = new Redis({ ...connection, enableAutoPipelining: false } as never);
  const subscriber = new Redis({ ...connection } as never);
  const watcher = `${prefix}:watcher:floor`;
  const owner = `floor:${process.pid}`;
  let heard = 0;
  let finish!: () => void;
  const all = new Promise<void>((resolve) => (finish = resolve));
  await subscriber.subscribe(watcher);
  // Each chain's client hears two status messages (running, then completed); it is done at the
  // second. A message on a runner's channel is `<encoded id>\ns<seq> <status> <cursor>\n<text>`.
  subscriber.on('message', (_channel: string, message: string) => message.split('\n', 2)[1]?.split(' ')[1] === 'completed' && ++heard === chains && finish());
  const starts = new Queue('start', { connection: connection as never, prefix });
  const pool = new Queue('pool', { connection: connection as never, prefix });
  const addHop = (hop: Hop): Promise<unknown> => pool.add('activation', hop, { ...JOB_OPTIONS, jobId: `${hop.jobId}-${hop.step}` });
  const owners = new Worker(
    'start',
    async (bull) => {
      const jobId = (bull.data as { jobId: string }).jobId;
      const k = jobKeys(prefix, jobId);
      const taken = (await TAKE.run(client, [k.meta, k.state, k.journal, k.control, k.inbox], [owner, 30_000, 'fp', 'floor'])) as unknown[];
      const epoch = String(taken[1]);
      // As the owner's first turn: its full save and the first pool job go out together.
      await SAVE.run(client, [k.state, k.journal, k.meta, k.control, k.inbox], [SNAPSHOT, epoch, 'running', String(Date.now()), k.channel, '', '0', '', '']);
      await Promise.all([APPEND.run(client, [k.state, k.journal, k.meta], [ENTRY, epoch, '']), addHop({ jobId, step: 1, epoch })]);
    },
    { connection: connection as never, prefix, concurrency: 50 },
  );
  const poolWorker = new Worker(
    'pool',
    async (bull) => {
      const hop = bull.data as Hop;
      const k = jobKeys(prefix, hop.jobId);
      const key = `${hop.step}#1`;
      const delivered = await RESULT.run(client, [k.inbox, k.meta], [key, EFFECTS, ownerChannel(prefix, ''), encodeId(hop.jobId), owner, hop.epoch]);
      checks.equal(delivered, 2, 'pool result handed to the local owner');
      if (hop.step < steps) await addHop({ ...hop, step: hop.step + 1 });
      else {
        await APPEND.run(client, [k.state, k.journal, k.meta], [ENTRY, hop.epoch, '']);
        await SAVE.run(client, [k.state, k.journal, k.meta, k.control, k.inbox], [SNAPSHOT, hop.epoch, 'completed', String(Date.now()), k.channel, '', '0', owner, '']);
      }
    },
    { connection: connection as never, prefix, concurrency: 10 },
  );
  await Promise.all([owners.waitUntilReady(), poolWorker.waitUntilReady()]);
  const t0 = nowMs();
  const ids = Array.from({ length: chains }, () => randomBytes(16).toString('hex'));
  const registrar = new RegisterBatch(client); // (as BullMQRunner registers the starts of a tick)
  const registered = await Promise.all(ids.map((id) => registrar.register(jobKeyBase(prefix, id), 'fp', 'floor', `${watcher}\n${encodeId(id)}`, `${id}.1`)));
  await starts.addBulk(ids.map((jobId, i) => ({ name: 'start', data: { jobId }, opts: { ...JOB_OPTIONS, jobId: `${jobId}.${registered[i][1]!}` } })));
  await all;
  const ms = nowMs() - t0;
  checks.equal(heard, chains, 'chains finished');
  await Promise.all([owners.close(), poolWorker.close()]);
  await Promise.all([starts.close(), pool.close()]);
  subscriber.disconnect();
  client.disconnect();
  return checks.result(ms, { activations: chains * steps });
}
