import type { RedisClient } from './lua-script.js';

type Listener = (message: string) => void;

/**
 * @internal One pub/sub connection shared by many listeners: a channel is subscribed while
 * somebody listens to it and unsubscribed after the last one leaves. The subscribes (and the
 * unsubscribes) asked for within one tick go out as one command: a client starting thousands of
 * jobs at once sends a handful. Redis delivers a connection's messages in publish order, so what
 * one publisher sends on one channel arrives in order. `watch` resolves once the subscription
 * is live: what is published after that is seen.
 *
 * @example
 * ```ts
 * const feed = new ChannelFeed(subscriber);
 * const stop = await feed.watch('rlx:job:{a}:out', (message) => console.log(message));
 * stop();
 * ```
 */
export class ChannelFeed {
  private readonly listeners = new Map<string, Set<Listener>>();
  private readonly toSubscribe = new Set<string>();
  private readonly toUnsubscribe = new Set<string>();
  /** The batch being gathered this tick: settles when its subscribe command has. */
  private batch: Promise<void> | undefined = undefined;
  /** The last batch sent: batches go out one after another. */
  private sent: Promise<void> = Promise.resolve();
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    /** Where a listener's throw or a failed (un)subscribe goes (never the connection's event loop). */
    private readonly report: (error: unknown) => void = () => undefined,
  ) {
    subscriber.on('message', (channel: string, message: string) => {
      const set = this.listeners.get(channel);
      if (set === undefined) return;
      for (const listener of [...set]) {
        try {
          listener(message);
        } catch (error) {
          this.report(error);
        }
      }
    });
  }

  /** Listens to `channel`; resolves, once subscribed, with the function that stops listening. */
  async watch(channel: string, listener: Listener): Promise<() => void> {
    let set = this.listeners.get(channel);
    if (set === undefined) {
      this.listeners.set(channel, (set = new Set()));
      // Still subscribed on the server if its unsubscribe has not gone out yet.
      if (!this.toUnsubscribe.delete(channel)) this.toSubscribe.add(channel);
    }
    set.add(listener);
    await this.flushSoon();
    return () => this.unwatch(channel, listener);
  }

  /** Stops delivering; later watches do nothing. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  private unwatch(channel: string, listener: Listener): void {
    const set = this.listeners.get(channel);
    if (set === undefined || !set.delete(listener) || set.size > 0) return;
    this.listeners.delete(channel);
    if (!this.toSubscribe.delete(channel)) this.toUnsubscribe.add(channel);
    void this.flushSoon();
  }

  /** The batch of this tick (made on first use), sent after the previous one. */
  private flushSoon(): Promise<void> {
    if (this.batch !== undefined) return this.batch;
    const batch = (this.batch = new Promise<void>((resolve) => queueMicrotask(resolve)).then(() => {
      this.batch = undefined;
      const subscribe = [...this.toSubscribe];
      const unsubscribe = [...this.toUnsubscribe];
      this.toSubscribe.clear();
      this.toUnsubscribe.clear();
      const send = async (): Promise<void> => {
        if (this.closed) return;
        if (unsubscribe.length > 0) void this.subscriber.unsubscribe(...unsubscribe).catch(this.report);
        if (subscribe.length > 0) await this.subscriber.subscribe(...subscribe);
      };
      return (this.sent = this.sent.catch(() => undefined).then(send));
    }));
    return batch;
  }
}
