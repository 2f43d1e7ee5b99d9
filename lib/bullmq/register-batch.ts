import { REGISTER, REGISTER_MANY } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';

/** REGISTER's answer for one start: `[0]` refused (the id is taken), `[1, req]` registered. */
export type RegisterReply = [number, number?];

/** The registrations asked for within one run of microtasks, and the one reply they share. */
interface Pending {
  keys: string[];
  args: string[];
  /** One entry per registration: REGISTER's reply, or the error its registration met. */
  replies: Promise<unknown[]> | undefined;
}

/** Registrations per script call at most: one call must not hold Redis (single-threaded) for long. */
const MAX_BATCH = 500;

/**
 * @internal Registers the ids of new remote jobs (REGISTER), the starts asked for within one run of
 * microtasks in one script call (REGISTER_MANY) when the client is a single Redis server: a
 * client starting thousands of jobs pays one command for all of them instead of one each
 * (measured: 14-24 us of CPU per job one by one, 1.2-4 us in batches of 100). Each id is checked
 * and claimed exactly as REGISTER does, in call order, so two starts of one id in a batch are
 * told apart as they would be one after the other. On a Redis Cluster the keys of different jobs
 * lie in different hash slots, which one script may not touch: there each start is its own
 * REGISTER.
 *
 * @example
 * ```ts
 * const registrar = new RegisterBatch(client);
 * const [ok, req] = await registrar.register('rlx:job:{abc}', fingerprint, 'orders', watch, 'k3x9.1');
 * ```
 */
export class RegisterBatch {
  private pending: Pending | undefined = undefined;
  private readonly batched: boolean;

  constructor(private readonly client: RedisClient) {
    this.batched = (client as { isCluster?: boolean }).isCluster !== true;
  }

  /**
   * Registers the job whose keys start with `base` (see `jobKeyBase`); resolves with REGISTER's
   * answer. `token` is unique to this start: the call sent again after a dropped connection
   * (ioredis does) is answered as the first was, not refused as taken by this start's own claim.
   */
  register(base: string, fingerprint: string, flowId: string, watch: string, token: string): Promise<RegisterReply> {
    const keys = [`${base}:state`, `${base}:meta`];
    if (!this.batched) return REGISTER.run(this.client, keys, [fingerprint, flowId, watch, token]) as Promise<RegisterReply>;
    let batch = this.pending;
    if (batch === undefined || batch.keys.length >= 2 * MAX_BATCH) {
      this.pending = batch = { keys: [], args: [], replies: undefined };
      const taken = batch;
      // Sent once the caller's run of microtasks is over (as BulkAdder's adds), so every start of
      // a loop shares the call; the batch is closed to later registrations when it leaves.
      taken.replies = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
        if (this.pending === taken) this.pending = undefined;
        // One start alone goes by REGISTER (one job's keys: valid on any server).
        if (taken.keys.length === 2) return REGISTER.run(this.client, taken.keys, taken.args).then((reply) => [reply]);
        return REGISTER_MANY.runVariadic(this.client, taken.keys, taken.args) as Promise<unknown[]>;
      });
    }
    const index = batch.keys.length / 2;
    batch.keys.push(keys[0], keys[1]);
    batch.args.push(fingerprint, flowId, watch, token);
    return (batch.replies as Promise<unknown[]>).then((replies) => {
      const reply = replies[index];
      if (reply instanceof Error) throw reply; // this start's own failure (the batch's others stand)
      return reply as RegisterReply;
    });
  }
}
