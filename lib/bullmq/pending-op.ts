import { isTerminal } from '../core/job-status.js';
import type { JobStatus } from '../core/records.js';
import { JobStateError } from '../errors/errors.js';
import { JobState } from '../state/job-state.js';
import type { AckMessage } from './wire.js';

/**
 * @internal A remote pause or cancel sent, waiting for its outcome (see `RemoteView`).
 *
 * @example
 * ```ts
 * view.track({ kind: 'cancel', id: sent.id, seq: sent.seq, resolve, reject });
 * ```
 */
export interface PendingOp {
  kind: 'pause' | 'cancel';
  /** The entry id of the command, and the status seq when it was queued (later messages tell its outcome). */
  id: string;
  seq: number;
  resolve(state: JobState): void;
  reject(error: unknown): void;
}

/**
 * @internal Settles `op` by its owner's answer: a refusal rejects it with a `JobStateError`; an
 * ok carries the state a pause settled at (`text`, the job's JSON), which is returned.
 *
 * @example
 * ```ts
 * answerOp(op, { id: '5-0', ok: false, error: { name: 'JobStateError', message: 'cannot cancel …' } }, '', 'order-17');
 * ```
 */
export function answerOp(op: PendingOp, ack: AckMessage, text: string, jobId: string): JobState | undefined {
  if (!ack.ok) return void op.reject(new JobStateError(ack.error?.message ?? `job '${jobId}' refused ${op.kind}`));
  const state = JobState.fromJSON(text);
  op.resolve(state);
  return state;
}

/**
 * @internal Settles `op` by the job's status at a seq after the one it was queued at, as a local
 * pause or cancel settles; true when it did. A pause the owner took (a refusal comes as an ack
 * before any later status) settles at the pause once the in-flight work ended, or with the
 * job when it is cancelled or fails meanwhile.
 *
 * @example
 * ```ts
 * ops = ops.filter((op) => seq <= op.seq || !settleOp(op, view.status, () => view.current));
 * ```
 */
export function settleOp(op: PendingOp, status: JobStatus, state: () => JobState): boolean {
  if (op.kind === 'pause' && status === 'paused' && state().runningTasks.length === 0) op.resolve(state());
  else if (op.kind === 'pause' && (status === 'cancelled' || status === 'failed')) op.resolve(state());
  else if (op.kind === 'cancel' && status === 'cancelled') op.resolve(state());
  else if (isTerminal(status)) op.reject(refusal(op, state().jobId, status));
  else return false;
  return true;
}

/**
 * @internal Why `op` was refused: the job had ended.
 *
 * @example
 * ```ts
 * op.reject(refusal(op, 'order-17', 'completed')); // JobStateError: cannot cancel job 'order-17': it is completed
 * ```
 */
export function refusal(op: PendingOp, jobId: string, status: JobStatus): JobStateError {
  return new JobStateError(`cannot ${op.kind} job '${jobId}': it is ${status}`);
}
