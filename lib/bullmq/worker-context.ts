import type { Flow } from '../flow/flow.js';
import type { CheckpointOptions } from '../runtime/checkpoint-options.js';
import type { ChannelFeed } from './channel-feed.js';
import type { LeaseKeeper } from './lease-renewal.js';
import type { RedisClient } from './lua-script.js';
import type { RedisJobStore } from './redis-job-store.js';

/**
 * @internal What every job a worker owns shares: the flow, Redis (commands, the nudge
 * channels, the store), who the worker is, and its settings.
 */
export interface WorkerContext {
  readonly flow: Flow;
  readonly client: RedisClient;
  readonly store: RedisJobStore;
  readonly nudges: ChannelFeed;
  readonly prefix: string;
  /** This worker's lease owner id. */
  readonly owner: string;
  /** Renews the leases of the jobs owned here (one timer for all). */
  readonly leases: LeaseKeeper;
  /** ms a job lease (and a BullMQ lock) lasts unless renewed. */
  readonly lockDuration: number;
  /** Takeovers from owners that never let go before a job fails with WorkerLostError. */
  readonly maxRecoveries: number;
  /** The worker flow's fingerprint. */
  readonly fingerprint: string;
  readonly checkpoint: CheckpointOptions;
  /** ms a pool-only turn's checkpoint may wait (see PoolTurnLag; 0: none waits). */
  readonly poolTurnLag: number;
  /** Until when (epoch ms) a closing worker waits for in-flight activations (see WorkerOptions.closeTimeout; Infinity until it closes). */
  closeDeadline(): number;
  /** The worker is closing: owned jobs that still run are handed over. */
  readonly closing: boolean;
  report(error: unknown): void;
}
