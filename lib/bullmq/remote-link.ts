import type { JobState } from '../state/job-state.js';
import type { Flow } from '../flow/flow.js';
import type { ControlCommand } from './wire.js';

/**
 * @internal What a RemoteJob needs from its runner: sending commands, the job's messages, its
 * stored state.
 *
 * @example
 * ```ts
 * const stop = await link.watch('order-17', (message) => view.receive(message), () => void resync(), (error) => view.lose(error));
 * ```
 */
export interface RemoteLink {
  /** Appends `command` to the job's control stream (and meta field); resolves with its entry id and the status seq then. */
  control(flow: Flow, jobId: string, command: ControlCommand, meta?: [field: string, value: string]): Promise<{ id: string; seq: number }>;
  /**
   * Listens to the job's channel; resolves once subscribed, with the stop function. `resync` runs
   * after the subscriber reconnected, `lost` when nothing more will come (the runner closed).
   */
  watch(jobId: string, listener: (message: string) => void, resync: () => void, lost: (error: unknown) => void): Promise<() => void>;
  /** Resolves once the runner's own channel is subscribed (see `follow`). */
  followed(): Promise<void>;
  /**
   * Listens to the status messages of a job this runner starts, on the runner's own channel (one
   * subscription for all its jobs; the start names it in the job's meta); returns the stop
   * function. Acks, emissions and outputs come on the job's channel only.
   */
  follow(jobId: string, listener: (message: string) => void, resync: () => void, lost: (error: unknown) => void): () => void;
  /** The stored state and its publication seq (undefined: nothing stored yet). */
  load(jobId: string): Promise<{ state: JobState; seq: number } | undefined>;
  /** Where a command that could not be sent is reported (nobody awaits it). */
  report(error: unknown): void;
  /** Whether the runner was closed (nothing more is sent or heard). */
  closed(): boolean;
}
