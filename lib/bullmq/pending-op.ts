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
 * ok carries the state a pause settled at (`text`, the job's JSON).
 *
 * @example
 * ```ts
 * answerOp(op, { id: '5-0', ok: false, error: { name: 'JobStateError', message: 'cannot cancel …' } }, '', 'order-17');
 * ```
 */
export function answerOp(op: PendingOp, ack: AckMessage, text: string, jobId: string): void {
  if (!ack.ok) op.reject(new JobStateError(ack.error?.message ?? `job '${jobId}' refused ${op.kind}`));
  else op.resolve(JobState.fromJSON(text));
}
