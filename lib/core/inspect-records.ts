import type { Payload } from './payload.js';
import type { JobStatus } from './records.js';

/**
 * One record of `flow.inspect$`, the lifecycle of a flow's jobs (the emissions themselves are
 * on `flow.events$`). A union on `type`, so a `switch` or `filter` narrows it:
 * - `job`: a job's status changed;
 * - `activation-start` / `activation-end`: an attempt of an activation began / ended
 *   (`outcome` `completed` or `failed`, whatever the error policy did next); a start carries
 *   `cause`, the `activationId` whose emit queued it, when the emit was made while somebody
 *   watched (none for entries, sent input, flushes, deferred and operator output);
 * - `start`, `error`, `retry`, `skip`, `stop`, `join-incomplete`: the history records the
 *   scheduler writes (the job's entry, an attempt's error, the policy outcomes, a join still
 *   waiting for a side when its job completed), with the record's `data`;
 * - `checkpoint`: a checkpoint write landed (`ok: true`) or failed (`ok: false`);
 * - a `job` record of a `failed` job carries the job's `error`.
 *
 * @example
 * ```ts
 * flow.inspect$.pipe(filter((r): r is Extract<InspectRecord, { type: 'activation-end' }> => r.type === 'activation-end'))
 *   .subscribe((r) => metrics.observe(r.routineId, r.durationMs));
 * ```
 */
export type InspectRecord =
  | {
      readonly type: 'job';
      readonly jobId: string;
      readonly status: JobStatus;
      readonly timestamp: number;
      /** Set when `status` is `failed`: what `JobState.error` says. */
      readonly error?: { readonly name: string; readonly message: string; readonly routineId?: string };
    }
  | {
      readonly type: 'activation-start';
      readonly jobId: string;
      readonly routineId: string;
      readonly slotName: string;
      readonly attempt: number;
      readonly activationId: string;
      readonly timestamp: number;
      /** The `activationId` of the activation whose emit queued this one (links a trace). */
      readonly cause?: string;
    }
  | {
      readonly type: 'activation-end';
      readonly jobId: string;
      readonly routineId: string;
      readonly slotName: string;
      readonly attempt: number;
      readonly activationId: string;
      readonly durationMs: number;
      readonly outcome: 'completed' | 'failed';
      readonly timestamp: number;
    }
  | {
      readonly type: 'start' | 'error' | 'retry' | 'skip' | 'stop' | 'join-incomplete';
      readonly jobId: string;
      readonly routineId: string;
      readonly data: Payload;
      readonly timestamp: number;
    }
  | { readonly type: 'checkpoint'; readonly jobId: string; readonly ok: boolean; readonly timestamp: number };
