import type { RedisClient } from './lua-script.js';

type Listener = (message: string) => void;

/**
 * @internal One pub/sub connection shared by many listeners: a channel is subscribed while
 * somebody listens to it and unsubscribed after the last one leaves. Redis delivers a
 * connection's messages in publish order, so what one publisher sends on one channel arrives in
 * order. `watch` resolves once the subscription is live: what is published after that is seen.
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
  /** The subscribe or unsubscribe of each channel in flight, so they land in call order. */
  private readonly pending = new Map<string, Promise<unknown>>();
  private closed = false;

  constructor(
    private readonly subscriber: RedisClient,
    /** Where a listener's throw goes (it must not reach the connection's event loop). */
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
    const first = set === undefined;
    if (set === undefined) this.listeners.set(channel, (set = new Set()));
    set.add(listener);
    const stop = (): void => this.unwatch(channel, listener);
    if (first) await this.queue(channel, () => this.subscriber.subscribe(channel));
    else await this.pending.get(channel);
    return stop;
  }

  /** Unsubscribes everything; later watches do nothing. */
  close(): void {
    this.closed = true;
    this.listeners.clear();
  }

  private unwatch(channel: string, listener: Listener): void {
    const set = this.listeners.get(channel);
    if (set === undefined || !set.delete(listener) || set.size > 0) return;
    this.listeners.delete(channel);
    void this.queue(channel, () => this.subscriber.unsubscribe(channel)).catch(this.report);
  }

  private queue(channel: string, op: () => Promise<unknown>): Promise<unknown> {
    if (this.closed) return Promise.resolve();
    const before = this.pending.get(channel) ?? Promise.resolve();
    const next = before.catch(() => undefined).then(op);
    this.pending.set(channel, next);
    void next.finally(() => {
      if (this.pending.get(channel) === next) this.pending.delete(channel);
    }).catch(() => undefined);
    return next;
  }
}
