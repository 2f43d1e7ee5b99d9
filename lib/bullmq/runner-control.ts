import { JobStateError } from '../errors/errors.js';
import { CONTROL } from './control-scripts.js';
import type { RedisClient } from './lua-script.js';
import { encodeId, jobKeys, ownerChannel } from './redis-keys.js';
import { clientError } from './store-call.js';
import { controlFields, type ControlCommand } from './wire.js';

/**
 * @internal A `BullMQRunner`'s CONTROL call: appends `command` to job `jobId`'s control stream
 * (and its meta field), as command number `n` of `sender` (`sent:<runner tag>`: a call ioredis
 * sends again is not appended twice). Resolves with the entry id, the status seq then, and the
 * delivery request it counted (0: none; the caller adds that BullMQ job).
 *
 * @throws {StoreError} (rejects) naming the job when Redis failed the call (refused under OOM or
 * on a replica: then nothing was appended).
 * @throws {JobStateError} (rejects) for a `send` that reached a job stored as completed or
 * cancelled (see CONTROL: nothing was appended).
 * @example
 * ```ts
 * const { id, seq, req } = await controlCall(client, 'rlx', 'order-17', { op: 'resume' }, undefined, 'sent:k3x9', 4);
 * ```
 */
export async function controlCall(client: RedisClient, prefix: string, jobId: string, command: ControlCommand, meta: [string, string] | undefined, sender: string, n: number): Promise<{ id: string; seq: number; req: number }> {
  const keys = jobKeys(prefix, jobId);
  const [, v, , op, , data] = controlFields(command);
  const needOwner = command.op !== 'observe' && command.op !== 'outputs' ? '1' : '0';
  const args = [ownerChannel(prefix, ''), v, op, data, meta?.[0] ?? '', meta?.[1] ?? '', needOwner, encodeId(jobId), sender, String(n)];
  const reply = CONTROL.run(client, [keys.state, keys.meta, keys.control], args).catch(clientError(jobId, keys.control, `send '${command.op}' to`));
  const [id, seq, req, ended] = (await reply) as [string, string, number, string | undefined];
  if (ended !== undefined) throw new JobStateError(`cannot send to job '${jobId}': it was ${ended} when the input reached Redis (nothing was sent)`);
  return { id, seq: Number(seq), req: Number(req) };
}
