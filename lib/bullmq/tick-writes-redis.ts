import { Redis } from 'ioredis';

type Corkable = { cork(): void; uncork(): void; writable?: boolean };

/**
 * The sockets corked in this tick, in all clients. A process that ends in the tick (it calls
 * `process.exit`, or an exception reaches the event loop) runs no more ticks: its 'exit'
 * uncorks them, so what they were sent is written (synchronously, as an uncorked write is)
 * before the process goes, as a plain client's commands are.
 */
const corkedSockets = new Set<Corkable>();
let exitHooked = false;
const uncorkAtExit = (): void => {
  for (const stream of corkedSockets) stream.uncork();
  corkedSockets.clear();
};

/**
 * @internal An ioredis client whose commands of one tick leave in one socket write.
 *
 * Each command ioredis sends is its own `write` on the socket, so an owner that answers the
 * replies of several jobs in one tick (a worker at concurrency 10 takes and saves jobs in bursts)
 * paid one system call, and one wake-up of Redis, per command. The first command of a tick corks
 * the socket and the tick's end uncorks it: the tick's commands go out in one `writev`, in the
 * order they were issued, each still answered on its own (unlike auto-pipelining, which holds
 * every reply of a tick's pipeline until the last one is in). Only clients the library makes
 * itself are of this class: a client a user passes in is used as it is. A process that ends in the
 * tick still writes what was sent in it (its 'exit' uncorks). What corking does change: a command
 * reaches Redis at the end of its tick, after any synchronous work (or later promise reactions)
 * of that tick, where a plain client's write went out at once (spec/bullmq/review-s23a.spec.ts).
 * So lease renewals are sent from their timer's own tick (see LeaseKeeper). And BullMQ's own
 * connections are not held: a pool activation's add issued in the tick of an owner's checkpoint
 * may reach Redis before it, which the protocol allows (an owner that dies between them is
 * replayed from its last checkpoint, and the replayed activation has the same pool job id).
 *
 * @example
 * ```ts
 * const client = new TickWritesRedis({ path: '/tmp/redis.sock', lazyConnect: true });
 * ```
 */
export class TickWritesRedis extends Redis {
  /** The socket corked in this tick, uncorked at its end (undefined: none). */
  private corked: Corkable | undefined = undefined;
  private readonly uncork = (): void => {
    const stream = this.corked;
    this.corked = undefined;
    if (stream === undefined) return;
    corkedSockets.delete(stream);
    stream.uncork();
  };

  override sendCommand(...args: Parameters<Redis['sendCommand']>): unknown {
    if (this.corked === undefined && this.status === 'ready') {
      const stream = (this as unknown as { stream?: Corkable }).stream;
      if (stream?.writable === true) {
        stream.cork();
        this.corked = stream;
        corkedSockets.add(stream);
        if (!exitHooked) {
          exitHooked = true;
          process.on('exit', uncorkAtExit);
        }
        process.nextTick(this.uncork);
      }
    }
    return super.sendCommand(...args);
  }
}
