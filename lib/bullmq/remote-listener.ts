import type { RemoteLink } from './remote-link.js';
import type { RemoteView } from './remote-view.js';

/**
 * @internal What a remote job listens to, feeding its view: the runner's own channel for the
 * status messages of a job that runner starts (`follow`: no subscription of its own), and the
 * job's channel (`watch`: acks, emissions, outputs, and statuses again; the view drops a status
 * it has seen) once a command, an observation or another client needs it. Both stop at a
 * terminal status. After the subscriber reconnected, what was published meanwhile is lost, so
 * the stored state is read again.
 *
 * @example
 * ```ts
 * const listener = new RemoteListener('order-17', view, link);
 * await listener.watch();
 * ```
 */
export class RemoteListener {
  private stopWatching: (() => void) | undefined = undefined;
  private stopFollowing: (() => void) | undefined = undefined;
  private watching: Promise<void> | undefined = undefined;

  constructor(
    private readonly id: string,
    private readonly view: RemoteView,
    private readonly link: RemoteLink,
  ) {}

  /** Follows the job's status messages on the runner's channel (see `RemoteLink.follow`); idempotent. */
  readonly follow = (): void => void (this.stopFollowing ??= this.link.follow(this.id, this.received, this.resync, this.lost));

  /** Listens to the job's channel (idempotent); resolves once subscribed. */
  watch(): Promise<void> {
    this.watching ??= this.link.watch(this.id, this.received, this.resync, this.lost).then(
      (stop) => void (this.stopWatching = stop),
      (error: unknown) => {
        this.watching = undefined;
        throw error;
      },
    );
    return this.watching;
  }

  /** Subscribes now (in parallel with the commands queued before), for a queued step to await. */
  watchNow(): Promise<void> {
    const watching = this.watch();
    watching.catch(() => undefined); // the step that awaits it reports the failure
    return watching;
  }

  private readonly received = (message: string): void => (this.view.receive(message), this.seen());
  private readonly resync = (): void => void this.link.load(this.id).then((l) => (l && this.view.catchUp(l.seq, l.state), this.seen()), this.link.report);
  /** Nothing more will be heard (the runner closed): the view fails what waits on it. */
  private readonly lost = (error: unknown): void => {
    this.stopWatching = this.stopFollowing = this.watching = undefined;
    this.view.lose(error);
  };

  /**
   * At a terminal status, stops listening (also after a state offered from the store), unless a
   * pause or cancel still waits for its outcome: a failed job's refusal, or its resume by another
   * client, is heard on the channel.
   */
  seen(): void {
    if (this.view.terminal && !this.view.busy) this.stop();
  }

  /** Stops listening (a refused attach). */
  stop(): void {
    const stops = [this.stopWatching, this.stopFollowing];
    this.stopWatching = this.stopFollowing = this.watching = undefined;
    for (const stop of stops) stop?.();
  }
}
