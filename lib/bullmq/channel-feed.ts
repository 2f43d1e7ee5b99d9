import type { RedisClient } from './lua-script.js';

type Listener = (message: string) => void;
/** Called after the connection came back: what was published while it was down is lost, so re-read. */
type Resync = () => void;
type Lost = (error: unknown) => void;

/**
 * @internal One pub/sub connection shared by many listeners: a channel is subscribed while
 * somebody listens to it and unsubscribed after the last one leaves. The subscribes (and the
 * unsubscribes) asked for within one tick go out as one command: a client starting thousands of
 * jobs at once sends a handful. Redis delivers a connection's messages in publish order, so what
 * one publisher sends on one channel arrives in order. `watch` resolves once the subscription
 * is live: what is published after that is seen. Pub/sub is at most once: when the connection
 * drops, what is published until it is back is lost, so once the channels are subscribed again
 * each listener's `resync` runs (a client re-reads the stored state it may have missed).
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
  private readonly resyncs = new Map<Listener, Resync>();
  private readonly losts = new Map<Listener, Lost>();
  /** The connection dropped since it was last ready: its next `ready` is a reconnect. */
  private dropped = false;
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
    subscriber.on('close', () => (this.dropped = true));
    subscriber.on('ready', () => {
      if (!this.dropped || this.closed) return;
      this.dropped = false;
      // ioredis resubscribes right after emitting 'ready'; subscribing again (a no-op for a live
      // channel) and awaiting it orders the re-reads after the channels are live again.
      setImmediate(() => void this.resubscribed().catch(this.report));
    });
  }

  /** Listens to `channel`; resolves, once subscribed, with the function that stops listening. `resync` runs after a reconnect. */
  async watch(channel: string, listener: Listener, resync?: Resync, lost?: Lost): Promise<() => void> {
    let set = this.listeners.get(channel);
    if (set === undefined) {
      this.listeners.set(channel, (set = new Set()));
      // Still subscribed on the server if its unsubscribe has not gone out yet.
      if (!this.toUnsubscribe.delete(channel)) this.toSubscribe.add(channel);
    }
    set.add(listener);
    if (resync !== undefined) this.resyncs.set(listener, resync);
    if (lost !== undefined) this.losts.set(listener, lost);
    await this.flushSoon();
    return () => this.unwatch(channel, listener);
  }

  /** Stops delivering (later watches do nothing); each listener watching with a `lost` callback gets `error` (nothing more will come). */
  close(error?: unknown): void {
    this.closed = true;
    const losts = [...this.losts.values()];
    this.listeners.clear();
    this.resyncs.clear();
    this.losts.clear();
    if (error === undefined) return;
    for (const lost of losts) {
      try {
        lost(error);
      } catch (thrown) {
        this.report(thrown);
      }
    }
  }

  private async resubscribed(): Promise<void> {
    const channels = [...this.listeners.keys()];
    if (channels.length === 0 || this.closed) return;
    await this.subscriber.subscribe(...channels);
    for (const resync of [...this.resyncs.values()]) {
      try {
        resync();
      } catch (error) {
        this.report(error);
      }
    }
  }

  private unwatch(channel: string, listener: Listener): void {
    this.resyncs.delete(listener);
    this.losts.delete(listener);
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
