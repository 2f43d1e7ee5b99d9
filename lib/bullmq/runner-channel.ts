import type { ChannelFeed } from './channel-feed.js';
import { encodeId } from './redis-keys.js';

/** What one job following a runner's channel is told. */
interface Follower {
  listener(message: string): void;
  resync(): void;
  lost(error: unknown): void;
}

/**
 * @internal A `BullMQRunner`'s own channel: the status messages of the jobs it starts, each
 * `<encoded id>\n<status message>`, dispatched to the job following it (one subscription for
 * all of them, not one per job).
 *
 * @example
 * ```ts
 * const channel = new RunnerChannel(watcherChannel(prefix, id), () => feed);
 * await channel.followed();
 * const stop = channel.follow('order-17', listener, resync, lost);
 * ```
 */
export class RunnerChannel {
  /** The jobs following it, by encoded id; `following` settles once it is subscribed. */
  private readonly followers = new Map<string, Follower>();
  private following: Promise<void> | undefined = undefined;

  constructor(
    private readonly channel: string,
    private readonly feed: () => ChannelFeed,
  ) {}

  /** Subscribes the channel (once; again after a failure). */
  followed(): Promise<void> {
    this.following ??= this.feed()
      .watch(
        this.channel,
        (message) => {
          const nl = message.indexOf('\n');
          this.followers.get(message.slice(0, nl))?.listener(message.slice(nl + 1));
        },
        () => this.followers.forEach((f) => f.resync()),
      )
      .then(
        () => undefined,
        (error: unknown) => {
          this.following = undefined;
          throw error;
        },
      );
    return this.following;
  }

  /** A job this runner starts follows the channel (from when its id is granted until it settles); returns the stop. */
  follow(jobId: string, listener: (message: string) => void, resync: () => void, lost: (error: unknown) => void): () => void {
    const key = encodeId(jobId);
    const entry: Follower = { listener, resync, lost };
    this.followers.set(key, entry);
    return () => void (this.followers.get(key) === entry && this.followers.delete(key));
  }

  /** The runner closed: every job following is told `error`, and nothing more is dispatched. */
  lose(error: unknown): void {
    const followers = [...this.followers.values()];
    this.followers.clear();
    for (const f of followers) f.lost(error);
  }
}
